// Save and load tfjs LayersModels as model.json + one weights file, on any platform.
// Loading checks everything it can before tfjs builds the model, so a refusal names the file, the
// field and what was expected, and leaves no tensor behind.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { concatBytes } from '../data/bytes';
import { errorMessage } from '../core/errors';

import { MAX_MODEL_JSON_BYTES, quoteName, WEIGHTS_FILE, type ModelFiles } from './files';

export { MAX_MODEL_JSON_BYTES, quoteName, WEIGHTS_FILE, type ModelFiles } from './files';

/** Serialise a model in the tfjs layers-model format (what tf.loadLayersModel reads). */
export async function serializeModel(model: tfl.LayersModel): Promise<ModelFiles> {
  let files: ModelFiles | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      const buffers = weightData === undefined ? [] : Array.isArray(weightData) ? weightData : [weightData];
      const weights = concatBytes(buffers.map((buffer) => new Uint8Array(buffer)));
      files = {
        modelJson: {
          format: 'layers-model',
          generatedBy: artifacts.generatedBy,
          convertedBy: null,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
        },
        weights,
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!files) throw new Error('model.save did not produce artifacts');
  return files;
}

// ---------------------------------------------------------------- reading model.json

/** One weightsManifest group: its weight files (shards, concatenated) hold exactly `bytes` bytes. */
export interface WeightGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
  bytes: number;
}

export interface ModelManifest {
  modelTopology: Record<string, unknown>;
  groups: WeightGroup[];
}

const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Parse model.json text; a file that is not JSON is refused by name, its content never echoed. */
export function parseModelJson(text: string, fileName = 'model.json'): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${fileName} is not valid JSON: a tfjs layers model.json is a JSON object with modelTopology and weightsManifest`);
  }
}

/** A weight path must name a file in model.json's folder (or below it): no "..", no absolute path. */
function checkWeightPath(value: unknown, field: string, fileName: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`${fileName}: ${field} must be a weight file name, got ${kindOf(value)}`);
  const segments = value.split(/[\\/]/);
  if (/^([\\/]|[A-Za-z]:)/.test(value) || segments.includes('..') || value.includes('\0')) {
    throw new Error(`${fileName}: ${field} ${quoteName(value)} points outside the model's folder: weight files must sit next to ${fileName}`);
  }
  return value;
}

function checkWeightSpec(value: unknown, field: string, fileName: string): tf.io.WeightsManifestEntry {
  if (!isObject(value)) throw new Error(`${fileName}: ${field} must be an object with name, shape and dtype, got ${kindOf(value)}`);
  const { name, shape, dtype, quantization } = value;
  if (typeof name !== 'string' || name === '') throw new Error(`${fileName}: ${field}.name must be the weight's name, got ${kindOf(name)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${fileName}: ${field}.shape of weight ${quoteName(name)} must be a list of non-negative integers`);
  }
  const storedAs = isObject(quantization) ? quantization.dtype : dtype;
  if (typeof dtype !== 'string' || !(dtype in BYTES_PER_VALUE) || typeof storedAs !== 'string' || !(storedAs in BYTES_PER_VALUE)) {
    throw new Error(`${fileName}: ${field}.dtype of weight ${quoteName(name)} must be float32, int32 or bool (optionally quantized to uint8, uint16 or float16)`);
  }
  return value as unknown as tf.io.WeightsManifestEntry;
}

function valueCount(spec: tf.io.WeightsManifestEntry): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

function storedBytes(spec: tf.io.WeightsManifestEntry): number {
  return valueCount(spec) * BYTES_PER_VALUE[spec.quantization?.dtype ?? spec.dtype];
}

/** Check model.json's structure: every refusal names the file, the field and what was expected. */
export function readModelManifest(modelJson: unknown, fileName = 'model.json'): ModelManifest {
  const expected = 'a tfjs layers model.json is an object with modelTopology and weightsManifest';
  if (!isObject(modelJson)) throw new Error(`${fileName} is not a tfjs layers model: it holds ${kindOf(modelJson)}; ${expected}`);
  const { modelTopology, weightsManifest } = modelJson;
  if (!isObject(modelTopology)) throw new Error(`${fileName} is not a tfjs layers model: modelTopology is ${modelTopology === undefined ? 'missing' : kindOf(modelTopology)}; ${expected}`);
  if (!Array.isArray(weightsManifest)) {
    throw new Error(`${fileName} is not a tfjs layers model: weightsManifest is ${weightsManifest === undefined ? 'missing' : kindOf(weightsManifest)}; ${expected}`);
  }
  const groups = weightsManifest.map((group, g): WeightGroup => {
    const field = `weightsManifest[${g}]`;
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new Error(`${fileName}: ${field} must be an object with paths (weight file names) and weights (their specs)`);
    }
    const paths = group.paths.map((p, i) => checkWeightPath(p, `${field}.paths[${i}]`, fileName));
    const weights = group.weights.map((w, i) => checkWeightSpec(w, `${field}.weights[${i}]`, fileName));
    return { paths, weights, bytes: weights.reduce((n, w) => n + storedBytes(w), 0) };
  });
  const names = new Set<string>();
  for (const spec of groups.flatMap((group) => group.weights)) {
    if (names.has(spec.name)) throw new Error(`${fileName}: weightsManifest lists weight ${quoteName(spec.name)} twice`);
    names.add(spec.name);
  }
  return { modelTopology, groups };
}

/** The last segment of a weight path: uploads and the in-memory map match weight files by plain name. */
export function weightFileName(weightPath: string): string {
  return weightPath.split(/[\\/]/).pop() ?? weightPath;
}

function describeFiles(paths: string[]): string {
  return paths.map(weightFileName).join(' + ');
}

/** Refuse a group whose files do not hold exactly the bytes its manifest describes. */
export function checkGroupSize(group: WeightGroup, actualBytes: number, fileName = 'model.json'): void {
  if (actualBytes === group.bytes) return;
  throw new Error(
    `${describeFiles(group.paths)}: expected exactly ${group.bytes} bytes for ${group.weights.length} weights (as ${fileName} describes them), got ${actualBytes}`,
  );
}

/** Refuse NaN or infinite float weights, naming the weight; quantized weights are checked by their scale. */
function checkFinite(group: WeightGroup, data: Uint8Array): void {
  let offset = 0;
  for (const spec of group.weights) {
    const bytes = storedBytes(spec);
    const where = `${describeFiles(group.paths)}: weight ${quoteName(spec.name)}`;
    if (spec.quantization) {
      const { scale, min } = spec.quantization;
      if ((scale !== undefined && !Number.isFinite(scale)) || (min !== undefined && !Number.isFinite(min))) {
        throw new Error(`${where} has a quantization scale or minimum that is not a finite number`);
      }
    } else if (spec.dtype === 'float32') {
      const view = new DataView(data.buffer, data.byteOffset + offset, bytes);
      for (let i = 0; i < bytes / 4; i++) {
        const value = view.getFloat32(i * 4, true);
        if (!Number.isFinite(value)) throw new Error(`${where} holds ${value} at index ${i}: weights must be finite numbers`);
      }
    }
    offset += bytes;
  }
}

/** The layers' weights against the manifest, by name and shape, before tfjs assigns them. */
function checkWeightsMatchLayers(model: tfl.LayersModel, specs: tf.io.WeightsManifestEntry[], fileName: string): void {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const needed = new Set<string>();
  for (const weight of model.weights) {
    needed.add(weight.originalName);
    const spec = byName.get(weight.originalName);
    if (!spec) throw new Error(`${fileName}: the layers need weight ${quoteName(weight.originalName)} [${weight.shape.join(', ')}] but weightsManifest does not list it`);
    if (spec.shape.join(',') !== weight.shape.join(',')) {
      throw new Error(`${fileName}: weightsManifest gives weight ${quoteName(spec.name)} the shape [${spec.shape.join(', ')}] but its layer expects [${weight.shape.join(', ')}]`);
    }
    // tfjs would say only "dtype of the new value (int32) and previous value (float32) must match".
    if (spec.dtype !== weight.dtype) throw new Error(`${fileName}: weight ${quoteName(spec.name)} is ${spec.dtype}; the lab loads ${weight.dtype} weights`);
  }
  const extra = specs.find((spec) => !needed.has(spec.name));
  if (extra) throw new Error(`${fileName}: weightsManifest lists weight ${quoteName(extra.name)} that no layer of modelTopology has`);
}

/**
 * tfjs connects a functional model's layers by re-queueing every node whose input does not exist
 * yet, forever: a node naming a missing layer, or a cycle, would hang the loader. Replay that
 * queue on the JSON alone and refuse what would never finish.
 */
function checkLayerGraph(modelTopology: Record<string, unknown>, fileName: string): void {
  const topology = isObject(modelTopology.model_config) ? modelTopology.model_config : modelTopology;
  const config = topology.config;
  if (!isObject(config) || !Array.isArray(config.layers)) return;
  const layers = config.layers.filter(isObject);
  const names = new Set(layers.map((layer) => layer.name));
  const nodesBuilt = new Map<unknown, number>(layers.map((layer) => [layer.name, layer.class_name === 'InputLayer' ? 1 : 0]));
  const pending = new Map<unknown, unknown[]>(layers.map((layer) => [layer.name, Array.isArray(layer.inbound_nodes) ? [...layer.inbound_nodes] : []]));
  for (const [layer, nodes] of pending) {
    for (const node of nodes) {
      if (!Array.isArray(node)) continue;
      for (const input of node) {
        const from = Array.isArray(input) ? input[0] : undefined;
        if (!names.has(from)) {
          throw new Error(`${fileName}: modelTopology: layer ${quoteName(String(layer))} takes its input from layer ${quoteName(String(from))}, which modelTopology does not have`);
        }
      }
    }
  }
  let progress = true;
  while (progress) {
    progress = false;
    for (const [layer, nodes] of pending) {
      const waiting = nodes.filter((node) => {
        const ready = !Array.isArray(node) || node.every((input) => Array.isArray(input) && (nodesBuilt.get(input[0]) ?? 0) > Number(input[1] ?? 0));
        if (ready) nodesBuilt.set(layer, (nodesBuilt.get(layer) ?? 0) + 1);
        return !ready;
      });
      if (waiting.length < nodes.length) progress = true;
      pending.set(layer, waiting);
    }
  }
  const stuck = [...pending].find(([, nodes]) => nodes.length > 0);
  if (stuck) {
    throw new Error(`${fileName}: modelTopology: the inputs of layer ${quoteName(String(stuck[0]))} can never be computed (a cycle, or a node index that no layer produces)`);
  }
}

/** What weightsManifest can fill: its largest weight and all its weights, in values. */
interface WeightBudget {
  largest: number;
  total: number;
}

/** A layer would create a weight that weightsManifest could never fill: refused before it is allocated. */
class WeightTooLarge extends Error {}

type AddWeight = (this: tfl.layers.Layer, name: string, shape: (number | null)[], ...rest: unknown[]) => unknown;

/** The name of the first layer of class `className` anywhere in the topology, if any. */
function layerOfClass(node: unknown, className: string): string | null {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = layerOfClass(item, className);
      if (found !== null) return found;
    }
  } else if (isObject(node)) {
    const name = node.name ?? (isObject(node.config) ? node.config.name : undefined);
    if (node.class_name === className && typeof name === 'string') return name;
    for (const value of Object.values(node)) {
      const found = layerOfClass(value, className);
      if (found !== null) return found;
    }
  }
  return null;
}

/**
 * tfjs' refusal of a class it does not know ("Unknown layer: X. This may be due to one of the
 * following reasons:" and a list) as one sentence naming the file and the layer.
 */
function unknownClassMessage(modelTopology: Record<string, unknown>, message: string, fileName: string): string | null {
  const match = /^Unknown ([a-z ]+): ([^\n]*?)\. This may be due to/.exec(message);
  if (!match) return null;
  const [, kind, className] = match;
  const layer = kind === 'layer' ? layerOfClass(modelTopology, className) : null;
  const what = layer !== null ? `layer ${quoteName(layer)} is a ${quoteName(className)}` : `the ${kind} ${quoteName(className)}`;
  return `${fileName}: modelTopology: ${what}, which tfjs does not know (a custom ${kind}, or one from a newer Keras); the lab loads models made only of tfjs' built-in ${kind === 'layer' ? 'layers' : `${kind}s`}`;
}

/**
 * Build the topology; the variables of layers built before a failure are disposed with it. Every
 * weight a layer creates must be one that weightsManifest lists, so a weight larger than its
 * largest entry, or more values in all than it holds, is refused before tfjs allocates it (a
 * model.json declaring 10⁹ units would otherwise fill the device before the shapes are compared).
 */
async function buildTopology(modelTopology: Record<string, unknown>, fileName: string, budget: WeightBudget): Promise<tfl.LayersModel> {
  checkLayerGraph(modelTopology, fileName);
  const before = new Set(Object.values(tf.engine().registeredVariables));
  const layerProto = tfl.layers.Layer.prototype as unknown as { addWeight: AddWeight };
  const addWeight = layerProto.addWeight;
  let created = 0;
  layerProto.addWeight = function (this: tfl.layers.Layer, name, shape, ...rest) {
    const values = shape.reduce<number>((n, d) => n * (d ?? Number.NaN), 1);
    created += values;
    if (!(values <= budget.largest) || created > budget.total) {
      throw new WeightTooLarge(
        `${fileName}: modelTopology: layer ${quoteName(this.name)} would create weight ${quoteName(name)} of shape [${shape.join(', ')}] (${values.toLocaleString('en')} values), ` +
          (values <= budget.largest
            ? `more values in all than weightsManifest holds (${budget.total.toLocaleString('en')})`
            : `larger than any weight weightsManifest lists (at most ${budget.largest.toLocaleString('en')} values)`),
      );
    }
    return addWeight.call(this, name, shape, ...rest);
  };
  let building: Promise<tfl.LayersModel>;
  try {
    // modelFromJSON builds the layers synchronously when given no weights, so the variables new
    // after the call are this model's alone, and the size check above sees only its weights.
    building = tfl.models.modelFromJSON({ modelTopology } as tfl.ModelAndWeightsConfig);
  } finally {
    layerProto.addWeight = addWeight;
  }
  const createdVariables = Object.values(tf.engine().registeredVariables).filter((v) => !before.has(v));
  try {
    return await building;
  } catch (error) {
    for (const variable of createdVariables) if (!variable.isDisposed) variable.dispose();
    if (error instanceof WeightTooLarge) throw new Error(error.message);
    const unknown = unknownClassMessage(modelTopology, errorMessage(error), fileName);
    if (unknown) throw new Error(unknown);
    // tfjs' first line says what failed; it may quote names from the file, so only printable text is kept.
    const reason = errorMessage(error).split('\n')[0].replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?').slice(0, 200);
    throw new Error(`${fileName}: modelTopology is not a model tfjs can build (${reason})`);
  }
}

/**
 * Load a model from model.json (parsed) plus its weight files, given as bytes by manifest path or
 * by plain file name. Refusals name the file and the field, and leave no tensor behind.
 */
export async function loadModelFromFiles(modelJson: unknown, weightFiles: Map<string, Uint8Array>, fileName = 'model.json'): Promise<tfl.LayersModel> {
  const manifest = readModelManifest(modelJson, fileName);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const groupData: Uint8Array[] = [];
  for (const group of manifest.groups) {
    const parts = group.paths.map((p) => {
      const bytes = weightFiles.get(p) ?? weightFiles.get(weightFileName(p));
      if (!bytes) throw new Error(`${fileName} names weight file ${quoteName(weightFileName(p))} but it was not given`);
      return bytes;
    });
    checkGroupSize(group, parts.reduce((n, p) => n + p.byteLength, 0), fileName);
    const data = parts.length === 1 ? parts[0] : concatBytes(parts);
    checkFinite(group, data);
    specs.push(...group.weights);
    groupData.push(data);
  }
  const weightData = concatBytes(groupData);
  const sizes = specs.map(valueCount);
  const model = await buildTopology(manifest.modelTopology, fileName, { largest: Math.max(0, ...sizes), total: sizes.reduce((a, b) => a + b, 0) });
  let decoded: tf.NamedTensorMap = {};
  try {
    // A saved optimizer's state (group "optimizer") takes bytes in the file but belongs to no layer.
    const layerSpecs = specs.filter((spec) => spec.group !== 'optimizer');
    checkWeightsMatchLayers(model, layerSpecs, fileName);
    decoded = tf.io.decodeWeights(weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength) as ArrayBuffer, specs);
    model.loadWeights(Object.fromEntries(layerSpecs.map((spec) => [spec.name, decoded[spec.name]])));
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose(Object.values(decoded));
  }
}


// ---------------------------------------------------------------- files not read yet

/** A file known by name and size before it is read: a browser File, or a file on disk. */
export interface ModelSourceFile {
  name: string;
  size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * Load a model from files not read yet (an upload, a folder): sizes that cannot be right are
 * refused before a byte is read. `weightFile` finds the file a manifest path names.
 */
export async function loadModelFromSourceFiles(
  modelFile: ModelSourceFile,
  weightFile: (manifestPath: string) => ModelSourceFile | undefined | Promise<ModelSourceFile | undefined>,
): Promise<tfl.LayersModel> {
  const fileName = modelFile.name;
  if (modelFile.size > MAX_MODEL_JSON_BYTES) {
    throw new Error(`${fileName} is ${modelFile.size} bytes: a tfjs model.json describes layers and weights in at most ${MAX_MODEL_JSON_BYTES} bytes (the weights go in .bin files)`);
  }
  if (modelFile.size === 0) throw new Error(`${fileName} is empty: a tfjs layers model.json is a JSON object with modelTopology and weightsManifest`);
  const modelJson = parseModelJson(new TextDecoder().decode(await modelFile.arrayBuffer()), fileName);
  const manifest = readModelManifest(modelJson, fileName);
  const files = new Map<string, ModelSourceFile>();
  for (const group of manifest.groups) {
    for (const p of group.paths) {
      const file = await weightFile(p);
      if (!file) throw new Error(`${fileName} names weight file ${quoteName(p)}, which is missing: give it together with ${fileName}`);
      files.set(p, file);
    }
    checkGroupSize(group, group.paths.reduce((n, p) => n + (files.get(p)?.size ?? 0), 0), fileName);
  }
  const bytes = new Map<string, Uint8Array>();
  for (const [p, file] of files) bytes.set(p, new Uint8Array(await file.arrayBuffer()));
  return loadModelFromFiles(modelJson, bytes, fileName);
}
