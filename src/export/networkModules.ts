// A network's layer list (networks.ts) written as a readable torch.nn.Module: NCHW, the lab's
// layer names as attribute names, `forward` returning the logits and every layer's output (the
// taps the distillation terms read), and the weight layout the tfjs converter in train.py needs.
import type { Network, NetLayer } from './networks';

/** A Python identifier for a layer name (uploaded models may name layers "conv2d_1/..."). */
export function pythonName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `layer_${cleaned}`;
}

/** Index of the first layer of the classifier: the last dense layer and the dropout before it. */
function classifierStart(layers: readonly NetLayer[]): number {
  let start = layers.length - 1;
  while (start > 0 && layers[start - 1].kind === 'dropout') start--;
  return start;
}

function shapeText(shape: readonly number[]): string {
  return shape.length === 3 ? `${shape[2]}×${shape[0]}×${shape[1]}` : `${shape[0]}`;
}

/** The Python expression of a layer's output; `x` is its input (the previous layer's output, or the branch's source). */
function layerCall(layer: NetLayer, attribute: string, x: string): string {
  switch (layer.kind) {
    case 'conv':
      return layer.activation === 'relu' ? `F.relu(self.${attribute}(${x}))` : `self.${attribute}(${x})`;
    case 'dense':
      return layer.activation === 'relu' ? `F.relu(self.${attribute}(${x}))` : `self.${attribute}(${x})`;
    case 'maxpool':
      return `F.max_pool2d(${x}, ${layer.poolSize})`;
    case 'flatten':
      return `torch.flatten(${x}, 1)`;
    case 'gap':
      return `${x}.mean((2, 3))`;
    case 'dropout':
      return `F.dropout(${x}, ${layer.rate}, self.training)`;
    case 'add':
      return layer.inputs.map((input) => `out["${input}"]`).join(' + ');
    case 'relu':
      return `F.relu(${x})`;
  }
}

/** Index of the layer whose output layer `index` reads (-1: the image). */
function inputIndex(layers: readonly NetLayer[], index: number): number {
  const from = layers[index].from;
  return from !== undefined ? layers.findIndex((candidate) => candidate.name === from) : index - 1;
}

type FlattenLayer = Extract<NetLayer, { kind: 'flatten' }>;

/** The flatten whose rows a dense layer reads (through dropout only), or null. */
function flattenFeeding(layers: readonly NetLayer[], index: number): FlattenLayer | null {
  let source = inputIndex(layers, index);
  while (source >= 0 && layers[source].kind === 'dropout') source = inputIndex(layers, source);
  const input = source >= 0 ? layers[source] : undefined;
  return input?.kind === 'flatten' ? input : null;
}

/**
 * `class <className>(nn.Module)` for the network. `describe` is its one-line docstring.
 * TFJS_WEIGHTS lists the layers with weights in model.json's order, with the NHWC shape a
 * flatten fed to a dense layer (its kernel rows are reordered for NCHW).
 */
export function networkModuleSource(network: Network, className: string, describe: string): string {
  const lines: string[] = [];
  const init: string[] = [];
  const weights: string[] = [];
  const used = new Set<string>();
  const attributes = network.layers.map((layer) => {
    let name = pythonName(layer.name);
    while (used.has(name)) name = `${name}_`;
    used.add(name);
    return name;
  });
  network.layers.forEach((layer, i) => {
    const attribute = attributes[i];
    if (layer.kind === 'conv') {
      init.push(`        self.${attribute} = nn.Conv2d(${layer.inChannels}, ${layer.filters}, ${layer.kernelSize}, padding=${layer.padding === 'same' ? Math.floor(layer.kernelSize / 2) : 0})`);
      weights.push(`("${attribute}", "conv", None)`);
    } else if (layer.kind === 'dense') {
      init.push(`        self.${attribute} = nn.Linear(${layer.inUnits}, ${layer.units})`);
      const from = flattenFeeding(network.layers, i)?.inputShape ?? null;
      const reorder = from !== null && from.length === 3 && from[2] > 1 && from[0] * from[1] > 1;
      weights.push(`("${attribute}", "dense", ${reorder ? `(${from.join(', ')})` : 'None'})`);
    }
  });
  const split = classifierStart(network.layers);
  // Every body layer's output is kept in `out` by name, which is also where a branch or an add reads it.
  const body = network.layers.slice(0, split).map((layer, i) => `        x = out["${layer.name}"] = ${layerCall(layer, attributes[i], layer.from !== undefined ? `out["${layer.from}"]` : 'x')}  # ${shapeText(layer.outputShape)}`);
  const head = network.layers.slice(split).map((layer, i) => `        x = ${layerCall(layer, attributes[split + i], 'x')}  # ${shapeText(layer.outputShape)}`);
  const last = network.layers[network.layers.length - 1];
  const embedding = split > 0 ? network.layers[split - 1].name : null;
  lines.push(
    `class ${className}(nn.Module):`,
    `    """${describe}"""`,
    '',
    `    INPUT_SHAPE = (${network.inputShape[2]}, ${network.inputShape[0]}, ${network.inputShape[1]})  # C, H, W`,
    `    EMBEDDING = ${embedding ? `"${embedding}"` : 'None'}  # the layer the classifier reads`,
    `    LOGITS = "${last.name}"`,
    `    TFJS_WEIGHTS = [${weights.join(', ')}]`,
    '',
    '    def __init__(self):',
    '        super().__init__()',
    ...init,
    '',
    '    def features(self, x):',
    '        """The body: every layer output by the lab\'s layer name (the taps), and the embedding."""',
    '        out = {}',
    ...body,
    '        return x, out',
    '',
    '    def classify(self, x):',
    ...head,
    '        return x',
    '',
    '    def forward(self, x):',
    '        """The logits and every layer output by name (the logits included)."""',
    '        embedding, out = self.features(x)',
    `        out["${last.name}"] = logits = self.classify(embedding)`,
    '        return logits, out',
  );
  return lines.join('\n');
}
