import type { ImageSet } from './types';
import { createRng, permutation } from '../train/rng';

/** Every run and every shipped teacher share one validation split, so their val numbers compare. */
export const SPLIT_SEED = 20240101;
export const VAL_FRACTION = 0.1;

export function pickSamples(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const sampleSize = set.images.length / set.count;
  const images = new Float32Array(indices.length * sampleSize);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i];
    images.set(set.images.subarray(index * sampleSize, (index + 1) * sampleSize), i * sampleSize);
    labels[i] = set.labels[index];
  }
  return { images, labels, count: indices.length };
}

/** Deterministically carve `fraction` of a set out (seeded permutation): [rest, carved]. */
export function carveSplit(set: ImageSet, fraction: number, seed: number): [ImageSet, ImageSet] {
  const order = permutation(set.count, createRng(seed));
  const carvedCount = Math.round(set.count * fraction);
  const carved = Array.from(order.subarray(0, carvedCount)).sort((a, b) => a - b);
  const rest = Array.from(order.subarray(carvedCount)).sort((a, b) => a - b);
  return [pickSamples(set, rest), pickSamples(set, carved)];
}

/** The first `limit` samples (for quick runs); the set itself when no limit applies. */
export function limitSet(set: ImageSet, limit: number | undefined): ImageSet {
  if (limit === undefined || limit >= set.count) return set;
  return pickSamples(set, Array.from({ length: limit }, (_, i) => i));
}

export function classCounts(set: ImageSet, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const label of set.labels) counts[label]++;
  return counts;
}
