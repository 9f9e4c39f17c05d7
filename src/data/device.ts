// A split uploaded to the backend once; batches are gathered on the device by index.
import * as tf from '@tensorflow/tfjs-core';
import type { ImageSet } from './types';

export interface DeviceSplit {
  images: tf.Tensor4D;
  labels: tf.Tensor1D; // int32
  /** Host copy of the labels, for metrics without a read-back. */
  hostLabels: Int32Array;
  count: number;
}

export function uploadSplit(set: ImageSet, inputShape: [number, number, number]): DeviceSplit {
  const [h, w, c] = inputShape;
  return {
    images: tf.tensor4d(set.images, [set.count, h, w, c], 'float32'),
    labels: tf.tensor1d(set.labels, 'int32'),
    hostLabels: set.labels,
    count: set.count,
  };
}

/** A new split of the samples at `indices`, gathered on the device; the caller owns it. */
export function selectSplit(split: DeviceSplit, indices: Int32Array): DeviceSplit {
  const positions = tf.tensor1d(indices, 'int32');
  try {
    return {
      images: tf.gather(split.images, positions) as tf.Tensor4D,
      labels: tf.gather(split.labels, positions) as tf.Tensor1D,
      hostLabels: Int32Array.from(indices, (index) => split.hostLabels[index]),
      count: indices.length,
    };
  } finally {
    positions.dispose();
  }
}

/** The split's first `count` samples as a new split (a slice on the device), or null when it has no more than that. */
export function firstSamples(split: DeviceSplit, count: number | undefined): DeviceSplit | null {
  if (count === undefined || count >= split.count) return null;
  const kept = Math.max(1, Math.floor(count));
  return { images: tf.slice(split.images, 0, kept), labels: tf.slice(split.labels, 0, kept), hostLabels: split.hostLabels.slice(0, kept), count: kept };
}

export function disposeSplit(split: DeviceSplit | null | undefined): void {
  if (!split) return;
  split.images.dispose();
  split.labels.dispose();
}

/**
 * Fixed-size index batches covering 0..count-1 in order; the last batch is padded by repeating
 * the final index so every batch has the same shape (webgpu's buffer pool keys on sizes).
 */
export function paddedIndexBatches(count: number, batchSize: number): { indices: Int32Array; valid: number }[] {
  const batches: { indices: Int32Array; valid: number }[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const indices = new Int32Array(batchSize);
    const valid = Math.min(batchSize, count - start);
    for (let i = 0; i < batchSize; i++) indices[i] = start + Math.min(i, valid - 1);
    batches.push({ indices, valid });
  }
  return batches;
}
