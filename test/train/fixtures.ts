// A small synthetic 8x8 dataset on the device and a base configuration for training tests.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { uploadSplit, disposeSplit } from '../../src/data/device';
import type { ImageSet } from '../../src/data/types';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/train/config';
import type { RunData } from '../../src/train/runTypes';
import type { StepContext } from '../../src/train/trainStep';

export const SHAPE: [number, number, number] = [8, 8, 1];
export const CLASSES = 4;
/** The pixel that carries each sample's id (id / 1000), so a test can see the batch order. */
export const ID_PIXEL = 63;

/**
 * Class c lights up a 3x3 block at one of four corners, plus noise from a fixed LCG. Learnable
 * in a few steps, and every sample is different.
 */
export function syntheticSet(count: number, seed: number, firstId = 0): ImageSet {
  let state = seed >>> 0;
  const noise = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const images = new Float32Array(count * 64);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % CLASSES;
    labels[i] = label;
    const top = label < 2 ? 0 : 4;
    const left = label % 2 === 0 ? 0 : 4;
    for (let p = 0; p < 64; p++) {
      const y = Math.floor(p / 8);
      const x = p % 8;
      const inBlock = y >= top && y < top + 3 && x >= left && x < left + 3;
      images[i * 64 + p] = (inBlock ? 0.7 : 0) + 0.3 * noise();
    }
    images[i * 64 + ID_PIXEL] = (firstId + i) / 1000;
  }
  return { images, labels, count };
}

export function syntheticData(trainCount = 192, evalCount = 32): RunData {
  return {
    info: {
      id: 'synthetic',
      name: 'Synthetic corners',
      inputShape: SHAPE,
      numClasses: CLASSES,
      classNames: ['top-left', 'top-right', 'bottom-left', 'bottom-right'],
      description: 'test data',
      source: 'test/train/fixtures.ts',
    },
    train: uploadSplit(syntheticSet(trainCount, 1), SHAPE),
    val: uploadSplit(syntheticSet(evalCount, 2), SHAPE),
    test: uploadSplit(syntheticSet(evalCount, 3), SHAPE),
  };
}

export function disposeData(data: RunData): void {
  disposeSplit(data.train);
  disposeSplit(data.val);
  disposeSplit(data.test);
}

export function config(overrides: Partial<ExperimentConfig> = {}): ExperimentConfig {
  return {
    ...DEFAULT_CONFIG,
    dataset: 'synthetic',
    student: 'mlp',
    teacher: 'custom',
    method: 'kd',
    params: { temperature: 4 },
    kdRatio: 0.5,
    optimizer: 'adam',
    lr: 0.01,
    batchSize: 32,
    epochs: 1,
    seed: 1,
    evalEvery: 1000,
    ...overrides,
  };
}

/** Every weight of a model as plain arrays (a snapshot that later training cannot change). */
export function weightValues(model: tfl.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
}

/**
 * A training-step context for `student` on `train`, no teacher, no weight decay or augmentation;
 * `extra` sets the rest (teacher, plan, labelled, rdrop, ...).
 */
export function stepContext(
  student: tfl.LayersModel,
  train: RunData['train'],
  optimizer: tf.Optimizer,
  extra: Partial<StepContext> & Pick<StepContext, 'methodId'>,
): StepContext {
  return {
    student,
    studentVariables: student.trainableWeights.map((w) => w.read() as tf.Variable),
    optimizer,
    train,
    numClasses: CLASSES,
    teacher: null,
    teacherCache: null,
    weightDecay: 0,
    augmentRng: null,
    ...extra,
  };
}
