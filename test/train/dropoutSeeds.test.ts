// Dropout masks from the run's seed (src/models/dropout.ts, docs/ARCHITECTURE.md §1): teacher-cnn
// (a dropout layer, rate 0.3) trained on Digits repeats bit for bit under one seed, draws a new
// mask at every step and other masks under another seed, leaves no tensor behind, and saves as it
// was built once the run ends. Inference stays without dropout.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveSeed } from '../../src/core/rng';
import { installFastCpuKernels } from '../../src/backends/cpuKernels';
import { fetchPublicFile } from '../../src/cli/nodeFiles';
import { disposeSplit, uploadSplit } from '../../src/data/device';
import { loadBuiltinDataset } from '../../src/data/load';
import type { DatasetInfo, ImageSet } from '../../src/data/types';
import { networkFromModelJson } from '../../src/export/networks';
import { getArchitecture } from '../../src/models/architectures';
import { dropoutLayers, dropoutSeed, reseedDropout } from '../../src/models/dropout';
import { loadModelFromFiles, serializeModel, WEIGHTS_FILE } from '../../src/models/io';
import { isMutual, type ExperimentConfig } from '../../src/train/config';
import { runExperiment } from '../../src/train/runExperiment';
import type { RunData, StepPoint } from '../../src/train/runTypes';
import { buildPeerModel } from '../../src/train/trainingParts';
import { config, weightValues } from './fixtures';

let data: RunData;
let info: DatasetInfo;

/** The first `count` samples of a split. */
function first(set: ImageSet, count: number, pixels: number): ImageSet {
  return { images: set.images.subarray(0, count * pixels), labels: set.labels.subarray(0, count), count };
}

beforeAll(async () => {
  installFastCpuKernels(); // the kernels the CLI trains with
  const digits = await loadBuiltinDataset('digits', fetchPublicFile);
  info = digits.info;
  const pixels = info.inputShape[0] * info.inputShape[1] * info.inputShape[2];
  data = { info, train: uploadSplit(first(digits.train, 128, pixels), info), val: uploadSplit(first(digits.val, 32, pixels), info), test: uploadSplit(first(digits.test, 32, pixels), info) };
});

afterAll(() => {
  for (const split of [data.train, data.val, data.test]) disposeSplit(split);
});

function build(id: string, seed: number): tfl.LayersModel {
  return getArchitecture(id).build(info.inputShape, info.numClasses, seed);
}

/** A Digits run from scratch: 4 steps of 32 (one epoch of the 128 samples). */
function digitsConfig(overrides: Partial<ExperimentConfig>): ExperimentConfig {
  return config({ dataset: 'digits', student: 'teacher-cnn', method: 'none', params: {}, batchSize: 32, epochs: 1, ...overrides });
}

/** Wraps a model's dropout layer so every training call records the layer's seed at that moment (a student's R-Drop body shares the layer). */
function recordDropoutSeeds(model: tfl.LayersModel): (number | undefined)[] {
  const seeds: (number | undefined)[] = [];
  const layer = model.getLayer('dropout');
  const call = layer.call.bind(layer);
  layer.call = ((inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => {
    if (kwargs?.training) seeds.push(dropoutLayers(model)[0].seed);
    return call(inputs, kwargs);
  }) as typeof layer.call;
  return seeds;
}

interface SeededRun {
  losses: number[];
  weights: Float32Array[];
  seeds: (number | undefined)[];
  peerLosses: (number | undefined)[];
  peerSeeds: (number | undefined)[];
}

/** A run of a student built from the run's seed (and a mutual run's peer as runExperiment would build it). */
async function seededRun(overrides: Partial<ExperimentConfig>): Promise<SeededRun> {
  const runConfig = digitsConfig(overrides);
  const student = build(runConfig.student, runConfig.seed);
  const peer = isMutual(runConfig) ? buildPeerModel(runConfig, info) : undefined;
  const seeds = recordDropoutSeeds(student);
  const peerSeeds = peer ? recordDropoutSeeds(peer) : [];
  const points: StepPoint[] = [];
  const result = await runExperiment({ config: runConfig, data, student, teacher: null, peer, hooks: { onSteps: (steps) => points.push(...steps) } });
  expect(result.status).toBe('done');
  const weights = weightValues(student);
  student.dispose();
  peer?.dispose();
  return { losses: points.map((p) => p.total), weights, seeds, peerLosses: points.map((p) => p.peer?.total), peerSeeds };
}

/** The mask teacher-cnn's dropout layer draws at `step` of a run seeded `seed` (1 / (1 - rate) where kept, 0 where dropped). */
function maskAt(model: tfl.LayersModel, seed: number, step: number): Float32Array {
  reseedDropout(model, seed, step);
  const layer = model.getLayer('dropout');
  return tf.tidy(() => (layer.apply(tf.ones([4, 256]), { training: true }) as tf.Tensor).dataSync() as Float32Array);
}

describe('dropout masks from the run\'s seed', () => {
  it('a seeded teacher-cnn run on Digits repeats bit for bit: every loss and every weight; another seed differs', async () => {
    const once = await seededRun({ seed: 1 });
    const again = await seededRun({ seed: 1 });
    const other = await seededRun({ seed: 2 });
    expect(once.losses).toHaveLength(4);
    expect(again.losses).toEqual(once.losses);
    expect(again.weights).toEqual(once.weights);
    expect(other.losses).not.toEqual(once.losses);
    // One seed a step, each the step's own: a new mask at every step, the same ones in a repeated run.
    expect(once.seeds).toEqual([0, 1, 2, 3].map((step) => dropoutSeed(1, 'dropout', step)));
    expect(new Set(once.seeds).size).toBe(4);
    expect(again.seeds).toEqual(once.seeds);
    expect(other.seeds.some((seed) => once.seeds.includes(seed))).toBe(false);
  }, 60_000);

  it('masks differ from step to step and from seed to seed, repeat for the same seed and step, drop about the rate', () => {
    const model = build('teacher-cnn', 1);
    const numTensors = tf.memory().numTensors;
    const mask = maskAt(model, 1, 0);
    expect(maskAt(model, 1, 0)).toEqual(mask);
    expect(maskAt(model, 1, 1)).not.toEqual(mask);
    expect(maskAt(model, 2, 0)).not.toEqual(mask);
    const dropped = mask.filter((value) => value === 0).length / mask.length;
    expect(dropped).toBeGreaterThan(0.2);
    expect(dropped).toBeLessThan(0.4);
    expect(tf.memory().numTensors).toBe(numTensors);
    model.dispose();
  });

  it('inference draws no mask: the predictions are the same whatever the dropout seeds', () => {
    const model = build('teacher-cnn', 1);
    const images = data.test.images.gather(Int32Array.from({ length: 8 }, (_, i) => i));
    const predict = () => tf.tidy(() => (model.predict(images) as tf.Tensor).dataSync() as Float32Array);
    const unseeded = predict();
    reseedDropout(model, 1, 0);
    expect(predict()).toEqual(unseeded);
    reseedDropout(model, 2, 5);
    expect(predict()).toEqual(unseeded);
    images.dispose();
    model.dispose();
  });

  it('a run leaves no tensor behind and puts the layers\' seeds back: the model saves as it was built', async () => {
    const student = build('teacher-cnn', 3);
    const built = JSON.stringify((await serializeModel(student)).modelJson.modelTopology);
    const numTensors = tf.memory().numTensors;
    await runExperiment({ config: digitsConfig({ seed: 3 }), data, student, teacher: null });
    expect(tf.memory().numTensors).toBe(numTensors);
    expect(dropoutLayers(student)[0].seed).toBeUndefined();
    expect(JSON.stringify((await serializeModel(student)).modelJson.modelTopology)).toBe(built);
    student.dispose();
  }, 60_000);

  it('a model saved with a seeded dropout layer loads with it, and the PyTorch export reads the same network', async () => {
    const model = build('teacher-cnn', 4);
    const plain = networkFromModelJson((await serializeModel(model)).modelJson);
    reseedDropout(model, 4, 7);
    const files = await serializeModel(model);
    const layers = (files.modelJson.modelTopology as { config: { layers: { class_name: string; config: { seed?: unknown } }[] } }).config.layers;
    expect(layers.find((layer) => layer.class_name === 'Dropout')?.config.seed).toBe(dropoutSeed(4, 'dropout', 7));
    const loaded = await loadModelFromFiles(files.modelJson, new Map([[WEIGHTS_FILE, files.weights]]));
    expect(dropoutLayers(loaded)[0].seed).toBe(dropoutSeed(4, 'dropout', 7));
    expect(weightValues(loaded)).toEqual(weightValues(model));
    expect(networkFromModelJson(files.modelJson)).toEqual(plain);
    loaded.dispose();
    model.dispose();
  });

  it('R-Drop on a student with dropout repeats bit for bit, its two passes with different masks', async () => {
    const once = await seededRun({ seed: 5, rdropAlpha: 1 });
    const again = await seededRun({ seed: 5, rdropAlpha: 1 });
    expect(again.losses).toEqual(once.losses);
    expect(again.weights).toEqual(once.weights);
    // Two passes a step: the first with the step's seed, the second with R-Drop's own.
    expect(once.seeds).toHaveLength(8);
    expect(once.seeds[0]).toBe(dropoutSeed(5, 'dropout', 0));
    expect(once.seeds[1]).not.toBe(once.seeds[0]);
    expect(again.seeds).toEqual(once.seeds);
  }, 60_000);

  it('a mutual run repeats bit for bit, the peer\'s masks from its own seed', async () => {
    const once = await seededRun({ seed: 6, method: 'dml', params: {} });
    const again = await seededRun({ seed: 6, method: 'dml', params: {} });
    expect(once.peerLosses).toHaveLength(4);
    expect(once.peerLosses.every((loss) => typeof loss === 'number')).toBe(true);
    expect(again.losses).toEqual(once.losses);
    expect(again.peerLosses).toEqual(once.peerLosses);
    expect(again.weights).toEqual(once.weights);
    expect(once.peerSeeds).toEqual([0, 1, 2, 3].map((step) => dropoutSeed(deriveSeed(6, 'peer'), 'dropout', step)));
    expect(once.peerSeeds.some((seed) => once.seeds.includes(seed))).toBe(false);
  }, 60_000);
});
