// A network as plain data: its layers in order, each with one sample's output shape, and the
// feature taps that follow from them. No tfjs here (docs/ARCHITECTURE.md §2): the architectures'
// layer lists (architectureSpecs.ts) become networks here, which the tfjs builder
// (architectures.ts) and the PyTorch writer (src/export/networkModules.ts) both read; an
// uploaded teacher's model.json becomes one too (src/export/networks.ts). One tap rule serves
// them and the tfjs models (taps.ts).
import { quoteName } from './files';

/** One image's shape: height, width, channels. */
export type InputShape = [number, number, number];

export type Activation = 'relu' | 'linear';

/**
 * One layer as a network's description gives it, without shapes. A layer reads the previous
 * layer's output, or `from`'s when it starts a branch (a residual block's 1×1 skip conv); `add`
 * sums the outputs it names (the end of a residual block); `relu` is an activation layer.
 */
export type LayerSpec = (
  | { kind: 'conv'; name: string; filters: number; kernelSize: number; padding: 'same' | 'valid'; activation: Activation }
  | { kind: 'maxpool'; name: string; poolSize: number }
  | { kind: 'flatten'; name: string }
  | { kind: 'gap'; name: string }
  | { kind: 'dense'; name: string; units: number; activation: Activation }
  | { kind: 'dropout'; name: string; rate: number }
  | { kind: 'add'; name: string; inputs: string[] }
  | { kind: 'relu'; name: string }
) & { from?: string };

/**
 * One layer with its shapes; `outputShape` is one sample's, NHWC as the lab reports it ([h, w, c]
 * or [units]); a conv knows its input channels, a dense layer its input units, a flatten the
 * shape it flattens (the PyTorch export reorders the dense rows after it).
 */
export type NetLayer = (
  | { kind: 'conv'; name: string; inChannels: number; filters: number; kernelSize: number; padding: 'same' | 'valid'; activation: Activation; outputShape: number[] }
  | { kind: 'maxpool'; name: string; poolSize: number; outputShape: number[] }
  | { kind: 'flatten'; name: string; outputShape: number[]; inputShape: number[] }
  | { kind: 'gap'; name: string; outputShape: number[] }
  | { kind: 'dense'; name: string; inUnits: number; units: number; activation: Activation; outputShape: number[] }
  | { kind: 'dropout'; name: string; rate: number; outputShape: number[] }
  | { kind: 'add'; name: string; inputs: string[]; outputShape: number[] }
  | { kind: 'relu'; name: string; outputShape: number[] }
) & { from?: string };

export interface Network {
  /** The architecture id, or the model's name for a loaded model. */
  id: string;
  inputShape: InputShape;
  /** In order; the last one is the output (the logits). */
  layers: NetLayer[];
}

/** A layer's shapes from the shape of what it reads (`shapeOf`: an earlier layer's output, for an add). */
function shaped(layer: LayerSpec, input: number[], shapeOf: (name: string) => number[]): NetLayer {
  const [h, w, c] = input;
  switch (layer.kind) {
    case 'conv': {
      const shrink = layer.padding === 'same' ? 0 : layer.kernelSize - 1;
      const { kind, name, filters, kernelSize, padding, activation } = layer;
      return { kind, name, inChannels: c, filters, kernelSize, padding, activation, outputShape: [h - shrink, w - shrink, filters] };
    }
    case 'maxpool':
      return { kind: 'maxpool', name: layer.name, poolSize: layer.poolSize, outputShape: [Math.floor(h / layer.poolSize), Math.floor(w / layer.poolSize), c] };
    case 'flatten':
      return { kind: 'flatten', name: layer.name, inputShape: input, outputShape: [input.reduce((a, b) => a * b, 1)] };
    case 'gap':
      return { kind: 'gap', name: layer.name, outputShape: [c] };
    case 'dense':
      return { kind: 'dense', name: layer.name, inUnits: input[0], units: layer.units, activation: layer.activation, outputShape: [layer.units] };
    case 'dropout':
      return { kind: 'dropout', name: layer.name, rate: layer.rate, outputShape: input };
    case 'add': {
      // One shape for every input: PyTorch would broadcast where tfjs refuses.
      const shapes = layer.inputs.map(shapeOf);
      if (shapes.some((shape) => shape.join(',') !== shapes[0].join(','))) {
        throw new Error(`Layer ${quoteName(layer.name)} adds outputs of different shapes: ${layer.inputs.map((input, i) => `${quoteName(input)} [${shapes[i].join(',')}]`).join(', ')}`);
      }
      return { kind: 'add', name: layer.name, inputs: [...layer.inputs], outputShape: shapes[0] };
    }
    case 'relu':
      return { kind: 'relu', name: layer.name, outputShape: input };
  }
}

/** A network grown one layer at a time, each layer's shapes worked out from what it reads. */
export class NetworkBuilder {
  readonly layers: NetLayer[] = [];
  /** Every layer's output shape by name: what a branch or an add reads. */
  private readonly shapes = new Map<string, number[]>();
  constructor(readonly inputShape: InputShape) {}

  /** The last layer's output shape (the image's before the first layer). */
  get shape(): number[] {
    return this.layers[this.layers.length - 1]?.outputShape ?? [...this.inputShape];
  }

  /** The last layer's name, if any. */
  get lastName(): string | undefined {
    return this.layers[this.layers.length - 1]?.name;
  }

  private shapeOf(name: string): number[] {
    const shape = this.shapes.get(name);
    if (!shape) throw new Error(`No layer ${quoteName(name)} before this one to read from`);
    return shape;
  }

  add(spec: LayerSpec): NetLayer {
    // Reading the previous layer is no branch: chains keep no `from`.
    const from = spec.from !== undefined && spec.from !== this.lastName ? spec.from : undefined;
    const layer = shaped(spec, from !== undefined ? this.shapeOf(from) : this.shape, (name) => this.shapeOf(name));
    if (from !== undefined) layer.from = from;
    this.layers.push(layer);
    this.shapes.set(layer.name, layer.outputShape);
    return layer;
  }

  network(id: string): Network {
    return { id, inputShape: this.inputShape, layers: this.layers };
  }
}

export type TapKind = 'block' | 'embedding' | 'logits';

/** A feature tap: a named layer output a distillation method can read, as the layer pickers show it. */
export interface Tap {
  /** The layer's name: what `studentLayers` / `teacherLayers` hold. */
  name: string;
  /** Output shape of one sample (no batch dimension), e.g. [8, 8, 32] or [256]. */
  shape: number[];
  kind: TapKind;
}

const BLOCK_NAME = /^block\d+$/;

/**
 * Every tap, in layer order: the conv blocks (layers named blockN, post-ReLU; in a network that
 * names none, every layer with an NHWC output), then the embedding (the layer named `embedding`,
 * else `feeding()`: the one the output reads, dropout skipped) and the logits. `body` is every
 * layer but the input and the output; `shapeOf` gives one sample's output shape, asked only of
 * the layers the rule looks at.
 */
export function tapsOf<L extends { name: string }>(body: readonly L[], output: L, feeding: () => L | null, shapeOf: (layer: L) => number[]): Tap[] {
  let blocks = body.filter((layer) => BLOCK_NAME.test(layer.name));
  if (blocks.length === 0) blocks = body.filter((layer) => shapeOf(layer).length === 3);
  const embedding = body.find((layer) => layer.name === 'embedding') ?? feeding();
  const taps: Tap[] = blocks.map((layer) => ({ name: layer.name, shape: shapeOf(layer), kind: 'block' }));
  if (embedding && !blocks.includes(embedding)) taps.push({ name: embedding.name, shape: shapeOf(embedding), kind: 'embedding' });
  taps.push({ name: output.name, shape: shapeOf(output), kind: 'logits' });
  return taps;
}

/** A network's taps: its classifier (the last layer) reads the layer before it, dropout skipped. */
export function networkTaps(network: Network): Tap[] {
  const { layers } = network;
  const feeding = () => {
    let i = layers.length - 2;
    while (i >= 0 && layers[i].kind === 'dropout') i--;
    return i >= 0 ? layers[i] : null;
  };
  return tapsOf(layers.slice(0, -1), layers[layers.length - 1], feeding, (layer) => layer.outputShape);
}
