// The teacher's logits (and, when they fit, its tapped features) for every training sample,
// computed once (no augmentation => the teacher sees the same inputs every epoch): a cached step
// costs a gather instead of a teacher forward.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { paddedIndexBatches, type DeviceSplit } from '../data/device';

/** What the cache loops read to end early: a RunControl, or anything with its stop flag. */
export interface StopSignal {
  readonly isStopped: boolean;
}

/** One macrotask turn: a worker hears a stop message here (on the cpu backend data() resolves without one). */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Logits of a frozen model in inference mode (no dropout, no batch-norm updates). */
export function predictLogits(model: tfl.LayersModel, images: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => model.predict(images) as tf.Tensor2D);
}

/** The logits of every sample, or null when `stop` was set before the last batch (nothing is kept). */
export function cacheTeacherLogits(teacher: tfl.LayersModel, split: DeviceSplit, batchSize: number, onProgress?: (done: number, total: number) => void): Promise<tf.Tensor2D>;
export function cacheTeacherLogits(
  teacher: tfl.LayersModel,
  split: DeviceSplit,
  batchSize: number,
  onProgress: ((done: number, total: number) => void) | undefined,
  stop: StopSignal,
): Promise<tf.Tensor2D | null>;
export async function cacheTeacherLogits(
  teacher: tfl.LayersModel,
  split: DeviceSplit,
  batchSize: number,
  onProgress?: (done: number, total: number) => void,
  stop?: StopSignal,
): Promise<tf.Tensor2D | null> {
  const parts: tf.Tensor2D[] = [];
  const batches = paddedIndexBatches(split.count, batchSize);
  for (const [i, batch] of batches.entries()) {
    // Checked before every batch: a stop during caching ends it within one teacher forward.
    if (stop) await nextTurn();
    if (stop?.isStopped) {
      tf.dispose(parts);
      return null;
    }
    parts.push(
      tf.tidy(() => {
        const logits = predictLogits(teacher, split.images.gather(batch.indices));
        return batch.valid === batchSize ? logits : tf.slice(logits, [0, 0], [batch.valid, -1]);
      }),
    );
    if (i % 8 === 7) {
      await parts[parts.length - 1].data(); // let the device drain and the UI hear progress
      onProgress?.(Math.min((i + 1) * batchSize, split.count), split.count);
    }
  }
  const cache = tf.concat(parts, 0);
  for (const part of parts) part.dispose();
  onProgress?.(split.count, split.count);
  return cache;
}

/** Feature caches larger than this are not built: the teacher then runs live on every batch. */
export const FEATURE_CACHE_BYTES = 64 * 1024 * 1024;

/** Bytes a cache of every output of `model` over `count` samples takes (float32). */
export function outputCacheBytes(model: tfl.LayersModel, count: number): number {
  return model.outputs.reduce((sum, output) => sum + output.shape.slice(1).reduce<number>((n, d) => n * (d ?? 1), 1) * 4 * count, 0);
}

/**
 * Every output of a (tapped) frozen model for every sample of a split, in sample order: the
 * feature maps and embeddings feature/relation methods read, and the logits last; null when
 * `stop` was set before the last batch.
 */
export function cacheTeacherOutputs(model: tfl.LayersModel, split: DeviceSplit, batchSize: number, onProgress?: (done: number, total: number) => void): Promise<tf.Tensor[]>;
export function cacheTeacherOutputs(
  model: tfl.LayersModel,
  split: DeviceSplit,
  batchSize: number,
  onProgress: ((done: number, total: number) => void) | undefined,
  stop: StopSignal,
): Promise<tf.Tensor[] | null>;
export async function cacheTeacherOutputs(
  model: tfl.LayersModel,
  split: DeviceSplit,
  batchSize: number,
  onProgress?: (done: number, total: number) => void,
  stop?: StopSignal,
): Promise<tf.Tensor[] | null> {
  const parts: tf.Tensor[][] = [];
  const batches = paddedIndexBatches(split.count, batchSize);
  for (const [i, batch] of batches.entries()) {
    if (stop) await nextTurn();
    if (stop?.isStopped) {
      for (const part of parts) tf.dispose(part);
      return null;
    }
    parts.push(
      tf.tidy(() => {
        const images = split.images.gather(batch.indices);
        const outputs = [model.predict(images)].flat();
        return batch.valid === batchSize ? outputs : outputs.map((output) => tf.slice(output, 0, batch.valid));
      }),
    );
    if (i % 8 === 7) {
      await parts[parts.length - 1][0].data();
      onProgress?.(Math.min((i + 1) * batchSize, split.count), split.count);
    }
  }
  const cache = model.outputs.map((_, o) => tf.concat(parts.map((part) => part[o]), 0));
  for (const part of parts) tf.dispose(part);
  onProgress?.(split.count, split.count);
  return cache;
}

/** What the loop reads instead of running the teacher: its logits, or every tapped output; both null: it runs live. */
export interface TeacherCache {
  logits: tf.Tensor2D | null;
  outputs: tf.Tensor[] | null;
}

/**
 * The teacher cache a run trains with, built before its first step (docs/ARCHITECTURE.md §6).
 * Logit-only terms cache the logits: the shipped ones when they cover every training sample
 * (docs/ARCHITECTURE.md §8), else computed here. Layer taps cache every tapped output when it fits
 * in FEATURE_CACHE_BYTES (Digits: a few MB), else the teacher runs live (MNIST's feature maps would
 * take GBs). A stop during caching leaves nothing cached.
 */
export async function prepareTeacherCache(options: {
  teacher: tfl.LayersModel | null;
  /** The plan's tapped teacher when a term reads layers; null: logits only. */
  taps: { model: tfl.LayersModel } | null;
  train: DeviceSplit;
  numClasses: number;
  /** Caching is off with augmentation (the teacher sees new images every epoch) or when the caller turned it off. */
  wanted: boolean;
  /** The teacher's logits for every training sample in order, shipped with it; used when they have the right size. */
  shippedLogits?: Float32Array | null;
  batchSize: number;
  /** The caching phase begins (no detail) and goes on (`done / total`). */
  onPhase?: (detail?: string) => void;
  stop: StopSignal;
}): Promise<TeacherCache> {
  const { teacher, taps, train, numClasses, batchSize, onPhase, stop } = options;
  const none: TeacherCache = { logits: null, outputs: null };
  if (!options.wanted || !teacher) return none;
  const onProgress = (done: number, total: number) => onPhase?.(`${done} / ${total}`);
  if (taps === null) {
    const shipped = options.shippedLogits?.length === train.count * numClasses ? options.shippedLogits : null;
    if (shipped) return { logits: tf.tensor2d(shipped, [train.count, numClasses]), outputs: null };
    onPhase?.();
    return { logits: await cacheTeacherLogits(teacher, train, batchSize, onProgress, stop), outputs: null };
  }
  if (outputCacheBytes(taps.model, train.count) > FEATURE_CACHE_BYTES) return none;
  onPhase?.();
  return { logits: null, outputs: await cacheTeacherOutputs(taps.model, train, batchSize, onProgress, stop) };
}
