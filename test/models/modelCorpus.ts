// A corpus of malformed teacher files, each with the message its refusal must carry. Built from one
// small valid model (Digits-shaped: 8×8×1 in, 10 classes out) so that every case differs from a
// loadable model in exactly the way its name says.
import * as tfl from '@tensorflow/tfjs-layers';
import { serializeModel, WEIGHTS_FILE } from '../../src/models/io';

export interface ModelCase {
  name: string;
  /** model.json as bytes (what a user's file holds). */
  modelJson: Uint8Array;
  /** Weight files by name, as they sit next to model.json. */
  weights: Map<string, Uint8Array>;
  /** What the refusal must say. */
  expected: RegExp;
}

export interface ValidModel {
  modelJson: Record<string, unknown>;
  weights: Uint8Array;
  /** Bytes of float32 weights the manifest describes, and how many weights (tensors) it lists. */
  bytes: number;
  count: number;
}

/** input 8×8×1 -> dense(3) -> flatten -> dense(10 logits): four weights, 1,936 values. */
export async function buildValidModel(): Promise<ValidModel> {
  const input = tfl.input({ shape: [8, 8, 1] });
  const hidden = tfl.layers.dense({ units: 3, name: 'hidden' }).apply(input) as tfl.SymbolicTensor;
  const flat = tfl.layers.flatten({ name: 'flat' }).apply(hidden) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: 10, name: 'logits' }).apply(flat) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: logits });
  const files = await serializeModel(model);
  model.dispose();
  return { modelJson: files.modelJson, weights: files.weights, bytes: files.weights.byteLength, count: 4 };
}

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

type Json = { modelTopology: { config: { layers: { name: string; inbound_nodes: unknown[] }[] } }; weightsManifest: { paths: unknown[]; weights: Record<string, unknown>[] }[] };

/** Deterministic bytes that are neither UTF-8 text nor JSON (a PNG header and a counter). */
export function garbageBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x1b, 0x5b, 0x32, 0x4a]);
  for (let i = 12; i < length; i++) bytes[i] = (i * 97 + 13) & 0xff;
  return bytes;
}

/** Float32 weights with one value replaced (NaN, Infinity) at `index`. */
function weightsWith(weights: Uint8Array, index: number, value: number): Uint8Array {
  const copy = weights.slice();
  new DataView(copy.buffer).setFloat32(index * 4, value, true);
  return copy;
}

export function malformedModels(valid: ValidModel): ModelCase[] {
  const base = valid.modelJson as unknown as Json;
  const withJson = (edit: (json: Json) => void): Uint8Array => {
    const json = clone(base);
    edit(json);
    return encode(json);
  };
  const good = encode(base);
  const weights = (bytes: Uint8Array) => new Map([[WEIGHTS_FILE, bytes]]);
  const size = (got: number) => new RegExp(`weights\\.bin: expected exactly ${valid.bytes} bytes for ${valid.count} weights \\(as (.*/)?model\\.json describes them\\), got ${got}$`);
  return [
    { name: 'empty model.json', modelJson: new Uint8Array(0), weights: weights(valid.weights), expected: /^model\.json (is empty|is not valid JSON)/ },
    { name: 'model.json of binary garbage', modelJson: garbageBytes(4096), weights: weights(valid.weights), expected: /^model\.json is not valid JSON: a tfjs layers model\.json is a JSON object/ },
    { name: 'model.json holding null', modelJson: encode(null), weights: weights(valid.weights), expected: /^model\.json is not a tfjs layers model: it holds null; .*modelTopology and weightsManifest/ },
    { name: 'model.json holding a list', modelJson: encode([1, 2]), weights: weights(valid.weights), expected: /it holds a list;/ },
    { name: 'model.json holding a string', modelJson: encode('layers-model'), weights: weights(valid.weights), expected: /it holds a string;/ },
    { name: 'model.json without modelTopology', modelJson: encode({ weightsManifest: [] }), weights: weights(valid.weights), expected: /modelTopology is missing;/ },
    { name: 'weightsManifest that is not a list', modelJson: withJson((j) => ((j as unknown as Record<string, unknown>).weightsManifest = { paths: [] })), weights: weights(valid.weights), expected: /weightsManifest is an object;/ },
    { name: 'manifest group without paths', modelJson: withJson((j) => delete (j.weightsManifest[0] as Partial<Json['weightsManifest'][0]>).paths), weights: weights(valid.weights), expected: /^model\.json: weightsManifest\[0\] must be an object with paths/ },
    { name: 'weight spec without a shape', modelJson: withJson((j) => delete j.weightsManifest[0].weights[2].shape), weights: weights(valid.weights), expected: /^model\.json: weightsManifest\[0\]\.weights\[2\]\.shape of weight "logits\/kernel" must be a list of non-negative integers/ },
    { name: 'weight spec of dtype string', modelJson: withJson((j) => (j.weightsManifest[0].weights[0].dtype = 'string')), weights: weights(valid.weights), expected: /weights\[0\]\.dtype of weight "hidden\/kernel" must be float32, int32 or bool/ },
    { name: 'weight path climbing out with ../', modelJson: withJson((j) => (j.weightsManifest[0].paths = ['../../../../etc/hostname'])), weights: weights(valid.weights), expected: /^model\.json: weightsManifest\[0\]\.paths\[0\] "\.\.\/\.\.\/\.\.\/\.\.\/etc\/hostname" points outside the model's folder/ },
    { name: 'absolute weight path', modelJson: withJson((j) => (j.weightsManifest[0].paths = ['/etc/hostname'])), weights: weights(valid.weights), expected: /paths\[0\] "\/etc\/hostname" points outside the model's folder/ },
    { name: 'Windows drive weight path', modelJson: withJson((j) => (j.weightsManifest[0].paths = ['C:\\weights.bin'])), weights: weights(valid.weights), expected: /paths\[0\] "C:\\\\weights\.bin" points outside the model's folder/ },
    { name: 'truncated weights', modelJson: good, weights: weights(valid.weights.subarray(0, 200)), expected: size(200) },
    { name: 'weights larger than the manifest', modelJson: good, weights: weights(new Uint8Array(valid.bytes + 4096)), expected: size(valid.bytes + 4096) },
    { name: 'empty weights file', modelJson: good, weights: weights(new Uint8Array(0)), expected: size(0) },
    { name: 'missing weights file', modelJson: good, weights: new Map(), expected: /^model\.json names weight file "weights\.bin"/ },
    { name: 'NaN weight', modelJson: good, weights: weights(weightsWith(valid.weights, 8, Number.NaN)), expected: /^weights\.bin: weight "logits\/kernel" holds NaN at index 2: weights must be finite numbers/ },
    { name: 'infinite weight', modelJson: good, weights: weights(weightsWith(valid.weights, valid.bytes / 4 - 1, Number.POSITIVE_INFINITY)), expected: /^weights\.bin: weight "logits\/bias" holds Infinity at index 9/ },
    {
      name: 'manifest shape that its layer does not have',
      modelJson: withJson((j) => (j.weightsManifest[0].weights[2].shape = [10, 192])),
      weights: weights(valid.weights),
      expected: /^model\.json: weightsManifest gives weight "logits\/kernel" the shape \[10, 192\] but its layer expects \[192, 10\]/,
    },
    {
      name: 'manifest listing a weight twice',
      modelJson: withJson((j) => (j.weightsManifest[0].weights[3] = { ...j.weightsManifest[0].weights[1] })),
      weights: weights(valid.weights.subarray(0, valid.bytes - 40 + 12)),
      expected: /^model\.json: weightsManifest lists weight "hidden\/bias" twice$/,
    },
    { name: 'manifest naming a weight no layer has', modelJson: withJson((j) => (j.weightsManifest[0].weights[3].name = 'logits/bias_old')), weights: weights(valid.weights), expected: /^model\.json: the layers need weight "logits\/bias" \[10\] but weightsManifest does not list it/ },
    {
      name: 'layer input naming a missing layer',
      modelJson: withJson((j) => (j.modelTopology.config.layers[3].inbound_nodes = [[['nope', 0, 0, {}]]])),
      weights: weights(valid.weights),
      expected: /^model\.json: modelTopology: layer "logits" takes its input from layer "nope", which modelTopology does not have/,
    },
    {
      name: 'layers in a cycle',
      modelJson: withJson((j) => (j.modelTopology.config.layers[1].inbound_nodes = [[['logits', 0, 0, {}]]])),
      weights: weights(valid.weights),
      expected: /^model\.json: modelTopology: the inputs of layer "hidden" can never be computed/,
    },
    {
      name: 'a layer class tfjs does not know, after a built layer',
      modelJson: withJson((j) => ((j.modelTopology.config.layers[3] as unknown as Record<string, unknown>).class_name = 'Dense3000')),
      weights: weights(valid.weights),
      // One sentence naming the layer and its class (tfjs' own message ends "...reasons:").
      expected: /^model\.json: modelTopology: layer "logits" is a "Dense3000", which tfjs does not know \(a custom layer, or one from a newer Keras\); the lab loads models made only of tfjs' built-in layers$/,
    },
    {
      name: 'int32 weights where the layers hold float32',
      modelJson: withJson((j) => j.weightsManifest[0].weights.forEach((w) => (w.dtype = 'int32'))),
      weights: weights(valid.weights),
      expected: /^model\.json: weight "hidden\/kernel" is int32; the lab loads float32 weights$/,
    },
    {
      name: 'a layer declaring a billion units',
      modelJson: withJson((j) => (((j.modelTopology.config.layers[1] as unknown as { config: Record<string, unknown> }).config.units = 1e9))),
      weights: weights(valid.weights),
      expected: /^model\.json: modelTopology: layer "hidden" would create weight "kernel" of shape \[1, 1000000000\] \(1,000,000,000 values\), larger than any weight weightsManifest lists \(at most 1,920 values\)/,
    },
    {
      name: 'a layer that fails to build after another was built',
      modelJson: withJson((j) => {
        const layer = j.modelTopology.config.layers[3] as unknown as { class_name: string; config: Record<string, unknown> };
        layer.class_name = 'Conv2D';
        layer.config = { name: 'logits', filters: 1, kernel_size: [1, 1] };
      }),
      weights: weights(valid.weights),
      expected: /^model\.json: modelTopology is not a model tfjs can build \(.*ndim/,
    },
  ];
}
