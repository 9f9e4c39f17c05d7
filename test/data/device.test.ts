// Training splits: float images uploaded once and gathered on the device, byte images kept on
// the host and converted per batch; both normalised per channel when the dataset says so.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { allInputs, disposeSplit, firstSamples, paddedIndexBatches, selectSplit, uploadSplit } from '../../src/data/device';
import { channelStats } from '../../src/data/pixels';

describe('paddedIndexBatches', () => {
  it('covers 0..count-1 in order with equal-size batches, padding the last with its final index', () => {
    const batches = paddedIndexBatches(10, 4);
    expect(batches.map((b) => Array.from(b.indices))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 9, 9],
    ]);
    expect(batches.map((b) => b.valid)).toEqual([4, 4, 2]);
  });

  it('has no padding when the size divides the count', () => {
    const batches = paddedIndexBatches(6, 3);
    expect(batches).toHaveLength(2);
    expect(batches.every((b) => b.valid === 3)).toBe(true);
  });
});

describe('uploadSplit', () => {
  it('makes NHWC float images and int32 labels, and disposeSplit frees both', () => {
    const before = tf.memory().numTensors;
    const split = uploadSplit({ images: new Float32Array(2 * 4 * 3 * 1).fill(0.5), labels: Int32Array.from([1, 0]), count: 2 }, [4, 3, 1]);
    expect(split.images.shape).toEqual([4, 3, 1]);
    expect(split.labels.dtype).toBe('int32');
    expect(Array.from(split.labels.dataSync())).toEqual([1, 0]);
    expect(tf.memory().numTensors).toBe(before + 2);
    disposeSplit(split);
    disposeSplit(null);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('byte splits (a user\'s files) and per-channel normalisation', () => {
  // Two 2×1 RGB images whose bytes cover the ends and the middle of the range.
  const bytes = Uint8Array.from([0, 128, 255, 10, 20, 30, 255, 0, 64, 1, 2, 3]);
  const labels = Int32Array.from([0, 1]);
  const shape: [number, number, number] = [2, 1, 3];
  const floats = Float32Array.from(bytes, (b) => b / 255);

  it('keeps bytes on the host (no image tensor) and gives byte / 255 as inputs, in the order asked', async () => {
    const before = tf.memory().numTensors;
    const split = uploadSplit({ images: bytes, labels, count: 2 }, shape);
    expect(tf.memory().numTensors).toBe(before + 1); // the labels only
    const batch = split.images.gather(Int32Array.from([1, 0, 1]));
    expect(batch.shape).toEqual([3, 2, 1, 3]);
    const values = batch.dataSync();
    expect(Array.from(values.subarray(0, 6))).toEqual(Array.from(floats.subarray(6, 12)));
    expect(Array.from(values.subarray(6, 12))).toEqual(Array.from(floats.subarray(0, 6)));
    batch.dispose();
    expect(Array.from(await split.images.pixels(Int32Array.from([0])))).toEqual(Array.from(floats.subarray(0, 6)));
    const picked = selectSplit(split, Int32Array.from([1]));
    expect(Array.from(await picked.images.pixels(Int32Array.from([0])))).toEqual(Array.from(floats.subarray(6, 12)));
    expect(Array.from(picked.hostLabels)).toEqual([1]);
    const first = firstSamples(split, 1)!;
    const firstInputs = allInputs(first);
    expect(Array.from(firstInputs.dataSync())).toEqual(Array.from(floats.subarray(0, 6)));
    firstInputs.dispose();
    for (const s of [split, picked, first]) disposeSplit(s);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('normalises bytes on the host exactly as the device normalises floats: (x - mean) / std per channel', () => {
    const normalization = channelStats({ images: bytes, labels, count: 2 }, 3);
    const info = { inputShape: shape, normalization };
    const byteSplit = uploadSplit({ images: bytes, labels, count: 2 }, info);
    const fromBytes = allInputs(byteSplit);
    const floatSplit = uploadSplit({ images: floats, labels, count: 2 }, info);
    const fromFloats = allInputs(floatSplit);
    const byHand = tf.div(tf.sub(tf.tensor4d(floats, [2, ...shape]), tf.tensor1d(normalization.mean)), tf.tensor1d(normalization.std));
    expect(Array.from(fromBytes.dataSync())).toEqual(Array.from(byHand.dataSync()));
    expect(Array.from(fromFloats.dataSync())).toEqual(Array.from(byHand.dataSync()));
    // Normalised inputs have mean 0 and std 1 per channel over the set the statistics came from.
    const [mean, variance] = tf.tidy(() => {
      const moments = tf.moments(tf.reshape(fromBytes, [-1, 3]), 0);
      return [moments.mean.dataSync(), moments.variance.dataSync()];
    });
    for (let c = 0; c < 3; c++) {
      expect(mean[c]).toBeCloseTo(0, 5);
      expect(variance[c]).toBeCloseTo(1, 4);
    }
    tf.dispose([fromBytes, fromFloats, byHand]);
    disposeSplit(floatSplit);
    disposeSplit(byteSplit);
  });
});

describe('channelStats', () => {
  it('gives each channel\'s mean and population std of byte / 255, the same from bytes and from floats', () => {
    // Channel 0: 0 and 255 -> mean 0.5, std 0.5; channel 1: flat 51 -> mean 0.2, std 1 (flat: not divided by 0).
    const bytes = Uint8Array.from([0, 51, 255, 51]);
    const set = { images: bytes, labels: Int32Array.from([0, 1]), count: 2 };
    const stats = channelStats(set, 2);
    expect(stats.mean[0]).toBeCloseTo(0.5, 12);
    expect(stats.std[0]).toBeCloseTo(0.5, 12);
    expect(stats.mean[1]).toBeCloseTo(0.2, 12);
    expect(stats.std[1]).toBe(1);
    const fromFloats = channelStats({ ...set, images: Float32Array.from(bytes, (b) => b / 255) }, 2);
    expect(fromFloats.mean[0]).toBeCloseTo(0.5, 7);
    expect(fromFloats.std[0]).toBeCloseTo(0.5, 7);
  });
});
