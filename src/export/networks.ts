// The lab's networks as plain layer lists, for writing them as PyTorch modules: from an
// architecture id (the same layers src/models/architectures.ts builds, without tfjs) or from a
// tfjs model.json's topology (an uploaded teacher). Also their feature taps and each term's
// layer pairs, as src/models/taps.ts and src/train/distillPlan.ts resolve them, so the page can
// export a configuration it has not run. test/export/networks.test.ts checks both against the
// tfjs builders and the training plan.
import type { InputShape } from '../models/architectureSpecs';
import { methodSpec } from '../kd/methods';
import { defaultLayerPairs } from '../kd/layerDefaults';
import type { DistillTerm } from '../train/config';
import { quoteName } from '../models/files';

/**
 * One layer; `outputShape` is one sample's, NHWC as the lab reports it ([h, w, c] or [units]). A
 * layer reads the previous layer's output, or `from`'s when it starts a branch (a residual block's
 * 1×1 skip conv); `add` sums the outputs it names (the end of a residual block).
 */
export type NetLayer = (
  | { kind: 'conv'; name: string; inChannels: number; filters: number; kernelSize: number; padding: 'same' | 'valid'; activation: 'relu' | 'linear'; outputShape: number[] }
  | { kind: 'maxpool'; name: string; poolSize: number; outputShape: number[] }
  | { kind: 'flatten'; name: string; outputShape: number[]; inputShape: number[] }
  | { kind: 'gap'; name: string; outputShape: number[] }
  | { kind: 'dense'; name: string; inUnits: number; units: number; activation: 'relu' | 'linear'; outputShape: number[] }
  | { kind: 'dropout'; name: string; rate: number; outputShape: number[] }
  | { kind: 'add'; name: string; inputs: string[]; outputShape: number[] }
  | { kind: 'relu'; name: string; outputShape: number[] }
) & { from?: string };

export interface Network {
  /** The architecture id, or the model's name for a loaded model. */
  id: string;
  inputShape: InputShape;
  layers: NetLayer[];
}

class NetworkBuilder {
  readonly layers: NetLayer[] = [];
  shape: number[];
  /** Every layer's output shape by name: what a branch or an add reads. */
  private readonly shapes = new Map<string, number[]>();
  /** The layer the next one reads instead of the previous one (a branch), if any. */
  private source: string | undefined;
  constructor(inputShape: InputShape) {
    this.shape = [...inputShape];
  }
  private push(layer: NetLayer): void {
    if (this.source !== undefined) layer.from = this.source;
    this.source = undefined;
    this.layers.push(layer);
    this.shapes.set(layer.name, layer.outputShape);
  }
  private shapeOf(name: string): number[] {
    const shape = this.shapes.get(name);
    if (!shape) throw new Error(`No layer ${quoteName(name)} before this one to read from`);
    return shape;
  }
  /** The next layer reads `name`'s output rather than the previous layer's. */
  branchFrom(name: string): void {
    this.shape = this.shapeOf(name);
    // Reading the previous layer is no branch: chains keep no `from`, as they always had.
    this.source = name === this.layers[this.layers.length - 1]?.name ? undefined : name;
  }
  conv(name: string, filters: number, kernelSize = 3, padding: 'same' | 'valid' = 'same', activation: 'relu' | 'linear' = 'relu'): void {
    const [h, w, c] = this.shape;
    const shrink = padding === 'same' ? 0 : kernelSize - 1;
    this.shape = [h - shrink, w - shrink, filters];
    this.push({ kind: 'conv', name, inChannels: c, filters, kernelSize, padding, activation, outputShape: this.shape });
  }
  pool(name: string, poolSize = 2): void {
    const [h, w, c] = this.shape;
    this.shape = [Math.floor(h / poolSize), Math.floor(w / poolSize), c];
    this.push({ kind: 'maxpool', name, poolSize, outputShape: this.shape });
  }
  flatten(name: string): void {
    const inputShape = this.shape;
    this.shape = [inputShape.reduce((a, b) => a * b, 1)];
    this.push({ kind: 'flatten', name, inputShape, outputShape: this.shape });
  }
  globalAveragePool(name: string): void {
    this.shape = [this.shape[2]];
    this.push({ kind: 'gap', name, outputShape: this.shape });
  }
  dense(name: string, units: number, activation: 'relu' | 'linear'): void {
    const inUnits = this.shape[0];
    this.shape = [units];
    this.push({ kind: 'dense', name, inUnits, units, activation, outputShape: this.shape });
  }
  dropout(name: string, rate: number): void {
    this.push({ kind: 'dropout', name, rate, outputShape: this.shape });
  }
  /** The sum of the named outputs, which must have one shape (PyTorch would broadcast, tfjs refuses). */
  add(name: string, inputs: readonly string[]): void {
    const shapes = inputs.map((input) => this.shapeOf(input));
    if (shapes.some((shape) => shape.join(',') !== shapes[0].join(','))) {
      throw new Error(`Layer ${quoteName(name)} adds outputs of different shapes: ${inputs.map((input, i) => `${quoteName(input)} [${shapes[i].join(',')}]`).join(', ')}`);
    }
    this.shape = shapes[0];
    this.push({ kind: 'add', name, inputs: [...inputs], outputShape: this.shape });
  }
  relu(name: string): void {
    this.push({ kind: 'relu', name, outputShape: this.shape });
  }
  /** A residual basic block as architectures.ts builds it; its output (post-ReLU) is `name`. */
  residualBlock(name: string, filters: number): void {
    const input = this.layers[this.layers.length - 1].name;
    const inChannels = this.shape[2];
    this.conv(`${name}_conv1`, filters);
    this.conv(`${name}_conv2`, filters, 3, 'same', 'linear');
    let skip = input;
    if (inChannels !== filters) {
      this.branchFrom(input);
      this.conv(`${name}_skip`, filters, 1, 'same', 'linear');
      skip = `${name}_skip`;
    }
    this.add(`${name}_add`, [`${name}_conv2`, skip]);
    this.relu(name);
  }
}

const isTiny = (shape: InputShape) => shape[0] < 16;

/** The layers src/models/architectures.ts builds for an architecture on a dataset shape. */
export function architectureNetwork(id: string, inputShape: InputShape, numClasses: number): Network {
  const b = new NetworkBuilder(inputShape);
  const tiny = isTiny(inputShape);
  switch (id) {
    case 'mlp':
      b.flatten('flatten');
      b.dense('embedding', 32, 'relu');
      break;
    case 'tiny-cnn':
      b.conv('block1', tiny ? 16 : 8);
      if (!tiny) b.pool('pool1');
      b.conv('block2', tiny ? 32 : 16);
      b.pool('pool2');
      b.flatten('embedding');
      break;
    case 'small-cnn':
      b.conv('block1', 16);
      if (!tiny) b.pool('pool1');
      b.conv('block2', 32);
      b.pool('pool2');
      b.conv('block3', 64);
      b.globalAveragePool('embedding');
      break;
    case 'teacher-cnn':
      b.conv('block1', tiny ? 32 : 16);
      if (!tiny) b.pool('pool1');
      b.conv('block2', tiny ? 64 : 32);
      b.pool('pool2');
      b.flatten('flatten');
      b.dense('embedding', 256, 'relu');
      b.dropout('dropout', 0.3);
      break;
    case 'teacher-resnet':
      b.conv('stem', 16);
      b.residualBlock('block1', 16);
      if (!tiny) b.pool('pool1');
      b.residualBlock('block2', 32);
      b.pool('pool2');
      b.residualBlock('block3', 64);
      b.globalAveragePool('embedding');
      break;
    default:
      throw new Error(`No PyTorch version of architecture ${quoteName(id)}`);
  }
  b.dense('logits', numClasses, 'linear');
  return { id, inputShape, layers: b.layers };
}

type Json = Record<string, unknown>;

const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;

/** A value from model.json in a message: numbers and plain words (a class name) as they are, anything else quoted and escaped. */
const shown = (value: unknown): string =>
  typeof value === 'number' || (typeof value === 'string' && /^[A-Za-z_]\w*$/.test(value)) ? String(value) : quoteName(typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));

function pair(value: unknown, what: string): number {
  const list = Array.isArray(value) ? value : [value];
  if (!isCount(list[0]) || list.some((v) => v !== list[0])) throw new Error(`${what}: only square sizes of whole numbers can be exported (got ${shown(value)})`);
  return list[0];
}

/** A size from model.json (filters, units, an input dimension) that becomes a number in train.py: a whole number above 0. */
function count(value: unknown, what: string): number {
  if (!isCount(value)) throw new Error(`model.json: ${what} must be a whole number above 0 (got ${shown(value)})`);
  return value;
}

/**
 * The layers of a tfjs layers-model (model.json's modelTopology): the layer kinds the lab's
 * networks use, in a chain or with residual branches (a layer reading an earlier layer than the
 * previous one, an Add joining them). Anything else (another layer class, another join, a branch
 * from the image or into the classifier, strides, other activations) is refused with the layer's
 * name: the export would not be exact.
 */
export function networkFromModelJson(modelJson: unknown): Network {
  const topology = (modelJson as Json)?.modelTopology as Json | undefined;
  const config = ((topology?.model_config as Json | undefined)?.config ?? topology?.config) as Json | undefined;
  const layers = config?.layers as Json[] | undefined;
  if (!Array.isArray(layers) || layers.length < 2) throw new Error('model.json: no layer list in modelTopology');
  const input = layers[0];
  const inputConfig = input.config as Json;
  const batchShape = inputConfig?.batch_input_shape as (number | null)[] | undefined;
  if (input.class_name !== 'InputLayer' || !Array.isArray(batchShape) || batchShape.length !== 4) {
    throw new Error('model.json: the first layer must be an image input [batch, height, width, channels]');
  }
  const inputShape = batchShape.slice(1).map((size, i) => count(size, `the input's ${['height', 'width', 'channels'][i]}`)) as InputShape;
  const b = new NetworkBuilder(inputShape);
  // Names become string literals in train.py (pythonText.ts); they must at least be strings.
  const nameOf = (layer: Json, i: number): string => {
    if (typeof layer?.name !== 'string' || layer.name === '') throw new Error(`model.json: layer ${i} has no name (a layer's name is a string)`);
    return layer.name;
  };
  const seen = new Set<string>([nameOf(input, 0)]);
  let previous = input.name as string;
  for (const [i, layer] of layers.slice(1).entries()) {
    const name = nameOf(layer, i + 1);
    const cfg = (layer.config ?? {}) as Json;
    const inbound = layer.inbound_nodes as unknown[][][] | undefined;
    const from = inbound?.[0]?.map((node) => node[0]);
    const unsupported = (why: string) => new Error(`model.json: layer ${quoteName(name)} ${why}; only chains of layers, with residual branches joined by an Add, can be exported`);
    if (!from || from.length === 0 || inbound!.length !== 1) throw unsupported('is not applied exactly once');
    const unknown = from.find((source) => typeof source !== 'string' || !seen.has(source));
    if (unknown !== undefined) throw unsupported(`reads ${typeof unknown === 'string' ? quoteName(unknown) : shown(unknown)}, which is not a layer before it`);
    if (layer.class_name === 'Add') {
      if (from.length < 2) throw unsupported('adds fewer than two outputs');
      if (from.includes(input.name)) throw unsupported('adds the input image itself');
    } else if (from.length !== 1) {
      throw unsupported(`(${shown(layer.class_name)}) joins ${from.length} inputs`);
    } else if (from[0] !== previous) {
      // The forward pass keeps every layer's output by name but not the image's.
      if (from[0] === input.name) throw unsupported('reads the input image in a branch');
      b.branchFrom(from[0] as string);
    }
    seen.add(name);
    previous = name;
    const activation = (cfg.activation ?? 'linear') as string;
    if (activation !== 'relu' && activation !== 'linear') throw new Error(`model.json: layer ${quoteName(name)} has activation ${shown(activation)}; only relu and linear can be exported`);
    const refuse = (why: string) => new Error(`model.json: layer ${quoteName(name)} (${shown(layer.class_name)}) ${why}`);
    switch (layer.class_name) {
      case 'Conv2D': {
        if (pair(cfg.strides ?? 1, name) !== 1 || pair(cfg.dilation_rate ?? 1, name) !== 1) throw refuse('has strides or dilation other than 1');
        if (cfg.use_bias === false) throw refuse('has no bias');
        if (cfg.data_format && cfg.data_format !== 'channels_last') throw refuse('is not channels_last');
        const kernelSize = pair(cfg.kernel_size, name);
        const padding = cfg.padding as string;
        if (padding !== 'same' && padding !== 'valid') throw refuse(`has padding ${shown(padding)}`);
        if (padding === 'same' && kernelSize % 2 === 0) throw refuse('has an even kernel with same padding (asymmetric in PyTorch)');
        b.conv(name, count(cfg.filters, `layer ${quoteName(name)}: filters`), kernelSize, padding, activation);
        break;
      }
      case 'MaxPooling2D': {
        const size = pair(cfg.pool_size, name);
        if (pair(cfg.strides ?? size, name) !== size || (cfg.padding ?? 'valid') !== 'valid') throw refuse('is not a plain size×size pool with equal strides and valid padding');
        b.pool(name, size);
        break;
      }
      case 'Flatten':
        b.flatten(name);
        break;
      case 'GlobalAveragePooling2D':
        b.globalAveragePool(name);
        break;
      case 'Dense':
        if (cfg.use_bias === false) throw refuse('has no bias');
        b.dense(name, count(cfg.units, `layer ${quoteName(name)}: units`), activation);
        break;
      case 'Dropout':
        if (typeof cfg.rate !== 'number' || !(cfg.rate >= 0 && cfg.rate < 1)) throw refuse(`has rate ${shown(cfg.rate)}; a dropout rate is a number in [0, 1)`);
        b.dropout(name, cfg.rate);
        break;
      case 'Add':
        b.add(name, from as string[]);
        break;
      case 'Activation':
        if (activation !== 'relu') throw refuse(`is a ${activation} activation; only relu activation layers can be exported`);
        b.relu(name);
        break;
      default:
        throw refuse('is a kind of layer the PyTorch export does not write');
    }
  }
  const last = b.layers[b.layers.length - 1];
  if (last.kind !== 'dense') throw new Error('model.json: the model must end in a dense layer (the logits)');
  const outputs = config?.output_layers as unknown[][] | undefined;
  if (Array.isArray(outputs) && (outputs.length !== 1 || outputs[0]?.[0] !== last.name)) {
    throw new Error(`model.json: the model's one output must be its last layer ${quoteName(last.name)} (got ${outputs.map((output) => (typeof output?.[0] === 'string' ? quoteName(output[0]) : shown(output?.[0]))).join(', ')})`);
  }
  // The module's classify() takes the embedding as its only input: the classifier is a chain.
  for (let i = b.layers.length - 1; i >= 0; i--) {
    const layer = b.layers[i];
    if (i < b.layers.length - 1 && layer.kind !== 'dropout') break;
    if (layer.from !== undefined) throw new Error(`model.json: layer ${quoteName(layer.name)} of the classifier reads ${quoteName(layer.from)} rather than the layer before it; only a chain can end the model`);
  }
  return { id: typeof config?.name === 'string' ? config.name : 'model', inputShape, layers: b.layers };
}

/** A tap as the layer pickers list it (src/models/taps.ts). */
export interface NetTap {
  name: string;
  shape: number[];
  kind: 'block' | 'embedding' | 'logits';
}

const BLOCK_NAME = /^block\d+$/;

/** The layer whose output the classifier (the last dense layer) reads, dropout skipped. */
export function embeddingLayer(network: Network): NetLayer | null {
  const named = network.layers.find((layer) => layer.name === 'embedding');
  if (named) return named;
  for (let i = network.layers.length - 2; i >= 0; i--) if (network.layers[i].kind !== 'dropout') return network.layers[i];
  return null;
}

/** The network's taps in layer order, as listTaps reports them. */
export function networkTaps(network: Network): NetTap[] {
  const output = network.layers[network.layers.length - 1];
  const layers = network.layers.slice(0, -1);
  let blocks = layers.filter((layer) => BLOCK_NAME.test(layer.name));
  if (blocks.length === 0) blocks = layers.filter((layer) => layer.outputShape.length === 3);
  const taps: NetTap[] = blocks.map((layer) => ({ name: layer.name, shape: layer.outputShape, kind: 'block' }));
  const embedding = embeddingLayer(network);
  if (embedding && !blocks.includes(embedding)) taps.push({ name: embedding.name, shape: embedding.outputShape, kind: 'embedding' });
  taps.push({ name: output.name, shape: output.outputShape, kind: 'logits' });
  return taps;
}

/** One term with its layers resolved (the names the training plan uses). */
export interface ExportTerm extends DistillTerm {
  studentLayers: string[];
  teacherLayers: string[];
}

const describe = (side: string, tap: NetTap) => `${side} ${quoteName(tap.name)} [${tap.shape.join(',')}]`;

/**
 * The term's layers: its own, else the method's defaults (kd/layerDefaults.ts, as the trainer picks them),
 * checked as far as the PyTorch losses need: names exist, pairs match, feature maps are maps,
 * and sizes the losses pool or compare agree. Throws naming the layers.
 */
export function resolveTermLayers(term: DistillTerm, studentTaps: readonly NetTap[], teacherTaps: readonly NetTap[]): ExportTerm {
  const method = methodSpec(term.method);
  const use = method.layers;
  const label = method.label;
  if (use.reads === 'logits') {
    if ((term.studentLayers?.length ?? 0) > 0 || (term.teacherLayers?.length ?? 0) > 0) throw new Error(`${label} reads only the logits: it takes no layers`);
    return { ...term, studentLayers: [], teacherLayers: [] };
  }
  const defaults = defaultLayerPairs(term.method, studentTaps, teacherTaps);
  const studentLayers = term.studentLayers ?? defaults.studentLayers;
  const teacherLayers = term.teacherLayers ?? defaults.teacherLayers;
  const pick = (side: string, names: readonly string[], taps: readonly NetTap[]) =>
    names.map((name) => {
      const tap = taps.find((candidate) => candidate.name === name);
      if (!tap) throw new Error(`${label}: the ${side} has no layer ${quoteName(name)} (its layers: ${taps.map((t) => quoteName(t.name)).join(', ')})`);
      return tap;
    });
  const students = pick('student', studentLayers, studentTaps);
  const teachers = pick('teacher', teacherLayers, teacherTaps);
  if (students.length === 0 || students.length !== teachers.length) {
    throw new Error(`${label} needs layers of both networks paired by position (got ${students.length} student and ${teachers.length} teacher layers)`);
  }
  const featureCount = use.reads === 'features' ? students.length : students.length - 1;
  if (use.reads === 'embedding' && !use.extraFeaturePairs.includes(featureCount)) {
    throw new Error(`${label} takes ${use.extraFeaturePairs.map((n) => n + 1).join(' or ')} layer(s) per network (the last one is the embedding)`);
  }
  for (let i = 0; i < featureCount; i++) {
    const [s, t] = [students[i], teachers[i]];
    if (s.shape.length !== 3 || t.shape.length !== 3) throw new Error(`${label} reads feature maps and cannot use ${describe('student', s)} with ${describe('teacher', t)}`);
    const pooledSides = ['at', 'nst', 'vid'].includes(term.method);
    if (pooledSides) {
      // RepDistiller pools the larger map to the smaller (h, h): both must end up the same size.
      const h = Math.min(s.shape[0], t.shape[0]);
      const sh = s.shape[0] > h ? [h, h] : s.shape.slice(0, 2);
      const th = t.shape[0] > h ? [h, h] : t.shape.slice(0, 2);
      if (sh[0] !== th[0] || sh[1] !== th[1]) throw new Error(`${label} cannot match the sizes of ${describe('student', s)} and ${describe('teacher', t)}`);
    }
    if (term.method === 'mgd' && (s.shape[0] !== t.shape[0] || s.shape[1] !== t.shape[1])) {
      throw new Error(`${label} needs equal heights and widths: ${describe('student', s)} and ${describe('teacher', t)}`);
    }
  }
  return { ...term, studentLayers: [...studentLayers], teacherLayers: [...teacherLayers] };
}
