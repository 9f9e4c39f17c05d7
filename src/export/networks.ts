// The networks the PyTorch export writes (networkModules.ts), as plain layer lists
// (src/models/network.ts): an architecture's is its layer list from src/models/architectureSpecs.ts,
// the one the tfjs builder builds; an uploaded teacher's is read here from its model.json's
// topology, refusing what the module could not reproduce exactly. Each term's layers are paired
// by the trainer's own rule (src/train/layerPairs.ts), so the page can export a configuration it
// has not run. test/export/networks.test.ts checks both against the tfjs models and the lab.
import { ARCHITECTURE_SPECS, networkOf, type InputShape } from '../models/architectureSpecs';
import { NetworkBuilder, type LayerSpec, type NetLayer, type Network, type Tap } from '../models/network';
import { quoteName } from '../models/files';
import { checkPairSizes, resolveLayerPairs, type PairedTerm } from '../train/layerPairs';
import type { DistillTerm } from '../train/config';

export type { NetLayer, Network } from '../models/network';
export { networkTaps } from '../models/network';

/** The network src/models/architectures.ts builds for an architecture on a dataset shape. */
export function architectureNetwork(id: string, inputShape: InputShape, numClasses: number): Network {
  const spec = ARCHITECTURE_SPECS.find((arch) => arch.id === id);
  if (!spec) throw new Error(`No PyTorch version of architecture ${quoteName(id)}`);
  return networkOf(spec, inputShape, numClasses);
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

/** Why a model.json layer cannot be exported, naming it. */
const unsupported = (name: string, why: string) => new Error(`model.json: layer ${quoteName(name)} ${why}; only chains of layers, with residual branches joined by an Add, can be exported`);

/** model.json's layer list (modelTopology) and the shape of its image input, its first layer. */
function topologyOf(modelJson: unknown): { config: Json | undefined; layers: Json[]; inputShape: InputShape } {
  const topology = (modelJson as Json)?.modelTopology as Json | undefined;
  const config = ((topology?.model_config as Json | undefined)?.config ?? topology?.config) as Json | undefined;
  const layers = config?.layers as Json[] | undefined;
  if (!Array.isArray(layers) || layers.length < 2) throw new Error('model.json: no layer list in modelTopology');
  const input = layers[0];
  const batchShape = (input.config as Json)?.batch_input_shape as (number | null)[] | undefined;
  if (input.class_name !== 'InputLayer' || !Array.isArray(batchShape) || batchShape.length !== 4) {
    throw new Error('model.json: the first layer must be an image input [batch, height, width, channels]');
  }
  const inputShape = batchShape.slice(1).map((size, i) => count(size, `the input's ${['height', 'width', 'channels'][i]}`)) as InputShape;
  return { config, layers, inputShape };
}

/** A layer's name: it becomes a string literal in train.py (pythonText.ts), so it must at least be a string. */
function nameOf(layer: Json, i: number): string {
  if (typeof layer?.name !== 'string' || layer.name === '') throw new Error(`model.json: layer ${i} has no name (a layer's name is a string)`);
  return layer.name;
}

/**
 * The names of the layers `layer` reads, checked: it is applied once, to layers before it
 * (`seen`); an Add joins two or more of them, not the image; any other layer reads one, the
 * image only as the first layer (the forward pass keeps every layer's output by name but not the image's).
 */
function inputsOf(layer: Json, name: string, seen: ReadonlySet<string>, image: string, previous: string): string[] {
  const inbound = layer.inbound_nodes as unknown[][][] | undefined;
  const from = inbound?.[0]?.map((node) => node[0]);
  if (!from || from.length === 0 || inbound!.length !== 1) throw unsupported(name, 'is not applied exactly once');
  const unknown = from.find((source) => typeof source !== 'string' || !seen.has(source));
  if (unknown !== undefined) throw unsupported(name, `reads ${typeof unknown === 'string' ? quoteName(unknown) : shown(unknown)}, which is not a layer before it`);
  if (layer.class_name === 'Add') {
    if (from.length < 2) throw unsupported(name, 'adds fewer than two outputs');
    if (from.includes(image)) throw unsupported(name, 'adds the input image itself');
  } else if (from.length !== 1) {
    throw unsupported(name, `(${shown(layer.class_name)}) joins ${from.length} inputs`);
  } else if (from[0] !== previous && from[0] === image) {
    throw unsupported(name, 'reads the input image in a branch');
  }
  return from as string[];
}

/** One model.json layer as the network's layer, if the PyTorch module can reproduce it exactly. */
function layerSpecOf(layer: Json, name: string, from: readonly string[]): LayerSpec {
  const cfg = (layer.config ?? {}) as Json;
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
      return { kind: 'conv', name, filters: count(cfg.filters, `layer ${quoteName(name)}: filters`), kernelSize, padding, activation };
    }
    case 'MaxPooling2D': {
      const size = pair(cfg.pool_size, name);
      if (pair(cfg.strides ?? size, name) !== size || (cfg.padding ?? 'valid') !== 'valid') throw refuse('is not a plain size×size pool with equal strides and valid padding');
      return { kind: 'maxpool', name, poolSize: size };
    }
    case 'Flatten':
      return { kind: 'flatten', name };
    case 'GlobalAveragePooling2D':
      return { kind: 'gap', name };
    case 'Dense':
      if (cfg.use_bias === false) throw refuse('has no bias');
      return { kind: 'dense', name, units: count(cfg.units, `layer ${quoteName(name)}: units`), activation };
    case 'Dropout':
      if (typeof cfg.rate !== 'number' || !(cfg.rate >= 0 && cfg.rate < 1)) throw refuse(`has rate ${shown(cfg.rate)}; a dropout rate is a number in [0, 1)`);
      return { kind: 'dropout', name, rate: cfg.rate };
    case 'Add':
      return { kind: 'add', name, inputs: [...from] };
    case 'Activation':
      if (activation !== 'relu') throw refuse(`is a ${activation} activation; only relu activation layers can be exported`);
      return { kind: 'relu', name };
    default:
      throw refuse('is a kind of layer the PyTorch export does not write');
  }
}

/** The model ends in its one output, a dense layer (the logits), after a chain: the module's classify() takes the embedding as its only input. */
function checkClassifier(layers: readonly NetLayer[], outputs: unknown): void {
  const last = layers[layers.length - 1];
  if (last.kind !== 'dense') throw new Error('model.json: the model must end in a dense layer (the logits)');
  if (Array.isArray(outputs) && (outputs.length !== 1 || outputs[0]?.[0] !== last.name)) {
    const names = (outputs as unknown[][]).map((output) => (typeof output?.[0] === 'string' ? quoteName(output[0]) : shown(output?.[0])));
    throw new Error(`model.json: the model's one output must be its last layer ${quoteName(last.name)} (got ${names.join(', ')})`);
  }
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (i < layers.length - 1 && layer.kind !== 'dropout') break;
    if (layer.from !== undefined) throw new Error(`model.json: layer ${quoteName(layer.name)} of the classifier reads ${quoteName(layer.from)} rather than the layer before it; only a chain can end the model`);
  }
}

/**
 * The layers of a tfjs layers-model (model.json's modelTopology): the layer kinds the lab's
 * networks use, in a chain or with residual branches (a layer reading an earlier layer than the
 * previous one, an Add joining them). Anything else (another layer class, another join, a branch
 * from the image or into the classifier, strides, other activations) is refused with the layer's
 * name: the export would not be exact.
 */
export function networkFromModelJson(modelJson: unknown): Network {
  const { config, layers, inputShape } = topologyOf(modelJson);
  const b = new NetworkBuilder(inputShape);
  const image = nameOf(layers[0], 0);
  const seen = new Set<string>([image]);
  for (const [i, layer] of layers.slice(1).entries()) {
    const name = nameOf(layer, i + 1);
    const previous = b.lastName ?? image;
    const from = inputsOf(layer, name, seen, image, previous);
    seen.add(name);
    const spec = layerSpecOf(layer, name, from);
    b.add(spec.kind !== 'add' && from[0] !== previous ? { ...spec, from: from[0] } : spec);
  }
  checkClassifier(b.layers, config?.output_layers);
  return b.network(typeof config?.name === 'string' ? config.name : 'model');
}

/** One term with its layers resolved (the names the training plan uses). */
export type ExportTerm = PairedTerm;

/**
 * The term's layers, paired as the trainer pairs them (its own, else the method's defaults:
 * src/train/layerPairs.ts), and checked for the sizes the method's loss can take (its `pairSize`
 * in src/kd/methods.ts): the lab runs the loss to find out, the export cannot. Throws naming the layers.
 */
export function resolveTermLayers(term: DistillTerm, studentTaps: readonly Tap[], teacherTaps: readonly Tap[]): ExportTerm {
  const pairs = resolveLayerPairs(term, studentTaps, teacherTaps);
  checkPairSizes(term.method, pairs, studentTaps, teacherTaps);
  return { ...term, ...pairs };
}
