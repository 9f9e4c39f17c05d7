import type { ImageSet } from './types';
import { createRng, permutation } from '../core/rng';

/** Every run and every shipped teacher share one validation split, so their val numbers compare. */
export const SPLIT_SEED = 20240101;
export const VAL_FRACTION = 0.1;

export function pickSamples(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const sampleSize = set.images.length / set.count;
  // Bytes stay bytes: a Float32Array would take their 0..255 as values.
  const images = set.images instanceof Uint8Array ? new Uint8Array(indices.length * sampleSize) : new Float32Array(indices.length * sampleSize);
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

/**
 * Positions of the transfer set in a training split: the samples whose class is not omitted
 * (Hinton et al. 2015, §3: a student that never sees a 3), then the first `limit` of those.
 * Null when every sample is kept, so callers can skip a copy.
 */
export function transferIndices(labels: ArrayLike<number>, omitClasses: readonly number[] | undefined, limit: number | undefined): Int32Array | null {
  const omitted = new Set(omitClasses ?? []);
  const kept: number[] = [];
  const cap = limit === undefined ? Infinity : Math.max(1, Math.floor(limit));
  for (let i = 0; i < labels.length && kept.length < cap; i++) if (!omitted.has(labels[i])) kept.push(i);
  return kept.length === labels.length ? null : Int32Array.from(kept);
}

/** The transfer set of a training split on the host (see transferIndices). */
export function transferSet(set: ImageSet, omitClasses: readonly number[] | undefined, limit: number | undefined): ImageSet {
  const indices = transferIndices(set.labels.subarray(0, set.count), omitClasses, limit);
  return indices ? pickSamples(set, indices) : set;
}

/** Why these classes cannot be left out of a dataset's transfer set, or null when they can. */
export function omittedClassesProblem(classes: readonly number[], dataset: { name: string; numClasses: number }): string | null {
  const missing = classes.filter((c) => c >= dataset.numClasses);
  if (missing.length > 0) return `${dataset.name} has no class ${missing.join(', ')} (its classes are 0–${dataset.numClasses - 1})`;
  if (new Set(classes).size >= dataset.numClasses) return `leaving out every class of ${dataset.name} leaves nothing to train on`;
  return null;
}

export function classCounts(set: ImageSet, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const label of set.labels) counts[label]++;
  return counts;
}
