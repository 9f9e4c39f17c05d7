// A network's layer list (networks.ts) written as a readable torch.nn.Module: NCHW, the lab's
// layer names as attribute names, `forward` returning the logits and every layer's output (the
// taps the distillation terms read), and the weight layout the tfjs converter in train.py needs.
// Layer names come from the user's model.json: as attributes they are reduced to identifiers
// (pythonName), everywhere else they are string literals (pythonText.ts).
import type { Network, NetLayer } from './networks';
import { escapePythonText, pythonLiteral, pythonString } from './pythonText';

/**
 * Names an attribute of the module must not take: Python's keywords, the members this file writes
 * and torch.nn.Module's own (a layer named "eval" would hide Module.eval). Underscore names are
 * prefixed as well. test/export/exportSafety.test.ts checks the list against the installed torch.
 */
export const RESERVED_ATTRIBUTES: ReadonlySet<string> = new Set([
  ...'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
  ...'NAME INPUT_SHAPE EMBEDDING LOGITS TFJS_WEIGHTS features classify forward training'.split(' '),
  ...('T_destination add_module apply bfloat16 buffers call_super_init children compile cpu cuda double dump_patches eval extra_repr float get_buffer ' +
    'get_extra_state get_parameter get_submodule half ipu load_state_dict modules mtia named_buffers named_children named_modules named_parameters parameters ' +
    'register_backward_hook register_buffer register_forward_hook register_forward_pre_hook register_full_backward_hook register_full_backward_pre_hook ' +
    'register_load_state_dict_post_hook register_load_state_dict_pre_hook register_module register_parameter register_state_dict_post_hook ' +
    'register_state_dict_pre_hook requires_grad_ set_extra_state set_submodule share_memory smart_apply state_dict to to_empty train type xpu zero_grad').split(' '),
]);

/** A Python identifier for a layer name (uploaded models may name layers "conv2d_1/..."). */
export function pythonName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z]/.test(cleaned) && !RESERVED_ATTRIBUTES.has(cleaned) ? cleaned : `layer_${cleaned}`;
}

/** `out["name"]`: a layer's output in the forward pass's dict, by the lab's layer name. */
const output = (name: string) => `out[${pythonString(name)}]`;

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
      return `F.max_pool2d(${x}, ${pythonLiteral(layer.poolSize)})`;
    case 'flatten':
      return `torch.flatten(${x}, 1)`;
    case 'gap':
      return `${x}.mean((2, 3))`;
    case 'dropout':
      return `F.dropout(${x}, ${pythonLiteral(layer.rate)}, self.training)`;
    case 'add':
      return layer.inputs.map(output).join(' + ');
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
 * `class <className>(nn.Module)` for the network. `describe` is its docstring, the lab's own text
 * (escaped all the same); NAME is the network's id or the model's name, which may be user text.
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
      const padding = layer.padding === 'same' ? Math.floor(layer.kernelSize / 2) : 0;
      init.push(`        self.${attribute} = nn.Conv2d(${[layer.inChannels, layer.filters, layer.kernelSize].map((n) => pythonLiteral(n)).join(', ')}, padding=${pythonLiteral(padding)})`);
      weights.push(`(${pythonString(attribute)}, "conv", None)`);
    } else if (layer.kind === 'dense') {
      init.push(`        self.${attribute} = nn.Linear(${pythonLiteral(layer.inUnits)}, ${pythonLiteral(layer.units)})`);
      const from = flattenFeeding(network.layers, i)?.inputShape ?? null;
      const reorder = from !== null && from.length === 3 && from[2] > 1 && from[0] * from[1] > 1;
      weights.push(`(${pythonString(attribute)}, "dense", ${reorder ? `(${from.map((n) => pythonLiteral(n)).join(', ')})` : 'None'})`);
    }
  });
  const split = classifierStart(network.layers);
  // Every body layer's output is kept in `out` by name, which is also where a branch or an add reads it.
  const body = network.layers.slice(0, split).map((layer, i) => `        x = ${output(layer.name)} = ${layerCall(layer, attributes[i], layer.from !== undefined ? output(layer.from) : 'x')}  # ${shapeText(layer.outputShape)}`);
  const head = network.layers.slice(split).map((layer, i) => `        x = ${layerCall(layer, attributes[split + i], 'x')}  # ${shapeText(layer.outputShape)}`);
  const last = network.layers[network.layers.length - 1];
  const embedding = split > 0 ? network.layers[split - 1].name : null;
  lines.push(
    `class ${className}(nn.Module):`,
    `    """${escapePythonText(describe)}"""`,
    '',
    `    NAME = ${pythonString(network.id)}`,
    `    INPUT_SHAPE = (${[2, 0, 1].map((i) => pythonLiteral(network.inputShape[i])).join(', ')})  # C, H, W`,
    `    EMBEDDING = ${embedding ? pythonString(embedding) : 'None'}  # the layer the classifier reads`,
    `    LOGITS = ${pythonString(last.name)}`,
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
    `        ${output(last.name)} = logits = self.classify(embedding)`,
    '        return logits, out',
  );
  return lines.join('\n');
}
