// A split ready for training: labels on the device, images gathered into batches by index.
// Float images (the shipped datasets) are uploaded once and gathered on the device. Byte images
// (a user's files: CIFAR-10 is 184 MB as bytes, 737 MB as float32) stay on the host as bytes
// and each batch is converted and uploaded on its own: tfjs has no uint8 tensors, and a batch
// of 128 CIFAR images is 1.5 MB. Both give the model the same floats: byte / 255, then the
// dataset's per-channel normalisation when it has one (docs/ARCHITECTURE.md §5).
import * as tf from '@tensorflow/tfjs-core';
import type { ChannelStats, DatasetInfo, ImageSet } from './types';
import { BYTE_TO_UNIT } from './pixels';

/** The images of a split: what the model reads, and what the page shows. */
export interface SplitImages {
  readonly shape: [number, number, number];
  /** Model inputs of the samples at `indices` (normalised when the dataset is): a new tensor. */
  gather(indices: Int32Array): tf.Tensor4D;
  /** Pixels in [0, 1] of the samples at `indices`, as stored (never normalised): for display. */
  pixels(indices: Int32Array): Promise<Float32Array>;
  /** The samples at `indices` as new images; the caller disposes them. */
  select(indices: Int32Array): SplitImages;
  /** The first `count` samples as new images; the caller disposes them. */
  first(count: number): SplitImages;
  dispose(): void;
}

export interface DeviceSplit {
  images: SplitImages;
  labels: tf.Tensor1D; // int32
  /** Host copy of the labels, for metrics without a read-back. */
  hostLabels: Int32Array;
  count: number;
}

/** Per-channel float tables byte -> model input: (byte / 255 - mean) / std in float32, as tf computes it. */
export function inputTables(channels: number, normalization: ChannelStats | undefined): Float32Array[] {
  return Array.from({ length: channels }, (_, c) => {
    if (!normalization) return BYTE_TO_UNIT;
    const mean = Math.fround(normalization.mean[c]);
    const std = Math.fround(normalization.std[c]);
    return Float32Array.from(BYTE_TO_UNIT, (unit) => Math.fround(unit - mean) / std);
  });
}

class DeviceImages implements SplitImages {
  constructor(
    private readonly tensor: tf.Tensor4D,
    readonly shape: [number, number, number],
    private readonly normalization: ChannelStats | undefined,
  ) {}

  gather(indices: Int32Array): tf.Tensor4D {
    return tf.tidy(() => {
      const picked = tf.gather(this.tensor, tf.tensor1d(indices, 'int32')) as tf.Tensor4D;
      if (!this.normalization) return picked;
      return tf.div(tf.sub(picked, tf.tensor1d(this.normalization.mean)), tf.tensor1d(this.normalization.std)) as tf.Tensor4D;
    });
  }

  async pixels(indices: Int32Array): Promise<Float32Array> {
    const picked = tf.tidy(() => tf.gather(this.tensor, tf.tensor1d(indices, 'int32')));
    try {
      return (await picked.data()) as Float32Array;
    } finally {
      picked.dispose();
    }
  }

  select(indices: Int32Array): SplitImages {
    return new DeviceImages(tf.tidy(() => tf.gather(this.tensor, tf.tensor1d(indices, 'int32')) as tf.Tensor4D), this.shape, this.normalization);
  }

  first(count: number): SplitImages {
    return new DeviceImages(tf.slice(this.tensor, 0, count), this.shape, this.normalization);
  }

  dispose(): void {
    this.tensor.dispose();
  }
}

class HostByteImages implements SplitImages {
  private readonly size: number;

  constructor(
    private readonly bytes: Uint8Array,
    readonly shape: [number, number, number],
    private readonly tables: Float32Array[],
  ) {
    this.size = shape[0] * shape[1] * shape[2];
  }

  private convert(indices: Int32Array, tables: Float32Array[]): Float32Array {
    const { size, bytes } = this;
    const channels = this.shape[2];
    const out = new Float32Array(indices.length * size);
    for (let i = 0; i < indices.length; i++) {
      const from = indices[i] * size;
      const to = i * size;
      if (channels === 1) {
        const table = tables[0];
        for (let j = 0; j < size; j++) out[to + j] = table[bytes[from + j]];
      } else {
        for (let j = 0; j < size; j += channels) for (let c = 0; c < channels; c++) out[to + j + c] = tables[c][bytes[from + j + c]];
      }
    }
    return out;
  }

  gather(indices: Int32Array): tf.Tensor4D {
    return tf.tensor4d(this.convert(indices, this.tables), [indices.length, ...this.shape], 'float32');
  }

  async pixels(indices: Int32Array): Promise<Float32Array> {
    return this.convert(indices, Array.from({ length: this.shape[2] }, () => BYTE_TO_UNIT));
  }

  select(indices: Int32Array): SplitImages {
    const out = new Uint8Array(indices.length * this.size);
    indices.forEach((index, i) => out.set(this.bytes.subarray(index * this.size, (index + 1) * this.size), i * this.size));
    return new HostByteImages(out, this.shape, this.tables);
  }

  first(count: number): SplitImages {
    return new HostByteImages(this.bytes.subarray(0, count * this.size), this.shape, this.tables);
  }

  dispose(): void {}
}

/** A split for training: float images go to the device once, byte images stay bytes on the host. */
export function uploadSplit(set: ImageSet, info: Pick<DatasetInfo, 'inputShape' | 'normalization'> | [number, number, number]): DeviceSplit {
  const { inputShape, normalization } = Array.isArray(info) ? { inputShape: info, normalization: undefined } : info;
  const shape: [number, number, number] = [...inputShape];
  const images =
    set.images instanceof Uint8Array
      ? new HostByteImages(set.images, shape, inputTables(shape[2], normalization))
      : new DeviceImages(tf.tensor4d(set.images, [set.count, ...shape], 'float32'), shape, normalization);
  return { images, labels: tf.tensor1d(set.labels, 'int32'), hostLabels: set.labels, count: set.count };
}

/** A new split of the samples at `indices`; the caller owns it. */
export function selectSplit(split: DeviceSplit, indices: Int32Array): DeviceSplit {
  const positions = tf.tensor1d(indices, 'int32');
  try {
    return {
      images: split.images.select(indices),
      labels: tf.gather(split.labels, positions) as tf.Tensor1D,
      hostLabels: Int32Array.from(indices, (index) => split.hostLabels[index]),
      count: indices.length,
    };
  } finally {
    positions.dispose();
  }
}

/** The split's first `count` samples as a new split, or null when it has no more than that. */
export function firstSamples(split: DeviceSplit, count: number | undefined): DeviceSplit | null {
  if (count === undefined || count >= split.count) return null;
  const kept = Math.max(1, Math.floor(count));
  return { images: split.images.first(kept), labels: tf.slice(split.labels, 0, kept), hostLabels: split.hostLabels.slice(0, kept), count: kept };
}

/** Every sample of a split as model inputs, in one tensor (small splits: tests, probes). */
export function allInputs(split: DeviceSplit): tf.Tensor4D {
  return split.images.gather(Int32Array.from({ length: split.count }, (_, i) => i));
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
