// Looking inside trained models: logits on chosen test images (for the soft-label explorer) and
// the test images a student gets wrong for a given pair of classes (for the run inspector).
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { paddedIndexBatches, type DeviceSplit } from '../data/device';
import { predictClasses } from './evaluate';
import { predictLogits } from './teacherCache';

/** One image of a split: its index there, its label and its pixels (row-major HWC floats). */
export interface ExampleImage {
  index: number;
  label: number;
  pixels: Float32Array;
}

/** Logits of `model` on split images chosen by index, in fixed-size batches; rows in the order given. */
export async function logitsAt(model: tfl.LayersModel, split: DeviceSplit, indices: ArrayLike<number>, batchSize = 128): Promise<Float32Array> {
  const count = indices.length;
  const size = Math.min(batchSize, Math.max(count, 1));
  let out = new Float32Array(0);
  let classes = 0;
  for (const batch of paddedIndexBatches(count, size)) {
    const chosen = Int32Array.from(batch.indices, (position) => indices[position]);
    const logits = tf.tidy(() => predictLogits(model, split.images.gather(chosen)));
    const values = await logits.data();
    if (classes === 0) {
      classes = logits.shape[1];
      out = new Float32Array(count * classes);
    }
    logits.dispose();
    const start = batch.indices[0];
    out.set((values as Float32Array).subarray(0, batch.valid * classes), start * classes);
  }
  return out;
}

/** The pixels of split images chosen by index, read back in one transfer. */
export async function imagesAt(split: DeviceSplit, indices: readonly number[]): Promise<ExampleImage[]> {
  if (indices.length === 0) return [];
  const values = await split.images.pixels(Int32Array.from(indices));
  const size = values.length / indices.length;
  return indices.map((index, i) => ({ index, label: split.hostLabels[index], pixels: values.slice(i * size, (i + 1) * size) }));
}

/** Up to `perClass` indices of every class among the first `count` samples, round-robin over classes. */
export function balancedIndices(labels: ArrayLike<number>, count: number, numClasses: number, perClass: number): number[] {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < Math.min(count, labels.length); i++) {
    const list = byClass[labels[i]];
    if (list && list.length < perClass) list.push(i);
  }
  const chosen: number[] = [];
  for (let round = 0; round < perClass; round++) {
    for (const list of byClass) if (list[round] !== undefined) chosen.push(list[round]);
  }
  return chosen;
}

export interface TeacherView {
  /** The first `count` test images are covered. */
  count: number;
  numClasses: number;
  labels: Int32Array;
  /** count × numClasses raw logits, row-major. */
  logits: Float32Array;
  /** A few images of every class for the picker (indices into the first `count`). */
  grid: ExampleImage[];
}

/** The teacher's logits on the first `limit` images of a split, and `perClass` images of each class to pick from. */
export async function computeTeacherView(teacher: tfl.LayersModel, split: DeviceSplit, numClasses: number, limit: number, perClass: number): Promise<TeacherView> {
  const count = Math.min(limit, split.count);
  const indices = Array.from({ length: count }, (_, i) => i);
  const logits = await logitsAt(teacher, split, indices);
  const labels = split.hostLabels.slice(0, count);
  const grid = await imagesAt(split, balancedIndices(labels, count, numClasses, perClass));
  return { count, numClasses, labels, logits, grid };
}

export interface MisclassifiedPair {
  actual: number;
  predicted: number;
  /** How many test images of `actual` the student put in `predicted`. */
  count: number;
  examples: ExampleImage[];
}

/** For each (actual, predicted) pair, up to `limit` images of class `actual` that the model predicts as `predicted`. */
export async function misclassifiedExamples(
  model: tfl.LayersModel,
  split: DeviceSplit,
  pairs: readonly { actual: number; predicted: number }[],
  limit: number,
): Promise<MisclassifiedPair[]> {
  const predictions = await predictClasses(model, split, 256);
  const found = pairs.map((pair) => ({ ...pair, indices: [] as number[], count: 0 }));
  for (let i = 0; i < split.count; i++) {
    for (const pair of found) {
      if (split.hostLabels[i] === pair.actual && predictions[i] === pair.predicted) {
        pair.count++;
        if (pair.indices.length < limit) pair.indices.push(i);
      }
    }
  }
  const images = await imagesAt(split, found.flatMap((pair) => pair.indices));
  let at = 0;
  return found.map(({ actual, predicted, count, indices }) => {
    const examples = images.slice(at, at + indices.length);
    at += indices.length;
    return { actual, predicted, count, examples };
  });
}
