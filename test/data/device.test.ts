// Device splits: uploaded once, gathered by fixed-size index batches.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { disposeSplit, paddedIndexBatches, uploadSplit } from '../../src/data/device';

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
    expect(split.images.shape).toEqual([2, 4, 3, 1]);
    expect(split.labels.dtype).toBe('int32');
    expect(Array.from(split.labels.dataSync())).toEqual([1, 0]);
    expect(tf.memory().numTensors).toBe(before + 2);
    disposeSplit(split);
    disposeSplit(null);
    expect(tf.memory().numTensors).toBe(before);
  });
});
