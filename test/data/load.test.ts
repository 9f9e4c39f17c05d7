// Loading built-in datasets: the real Digits file, and the IDX path on generated files.
import { describe, expect, it } from 'vitest';
import { loadBuiltinDataset } from '../../src/data/load';
import { getBuiltinDataset } from '../../src/data/registry';
import { fetchPublicFile } from '../../src/cli/nodeFiles';
import type { FetchBytes, ImageSet, LoadProgress } from '../../src/data/types';
import { gzip, idxBytes } from './idxBytes';

function checkSet(set: ImageSet, pixels: number, numClasses: number): void {
  expect(set.images).toHaveLength(set.count * pixels);
  expect(set.labels).toHaveLength(set.count);
  for (const v of set.images) {
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(1);
  }
  for (const label of set.labels) {
    expect(label).toBeGreaterThanOrEqual(0);
    expect(label).toBeLessThan(numClasses);
  }
}

describe('loadBuiltinDataset("digits")', () => {
  it('parses all 1,797 images into train / val / test with a seeded 20 % test and 10 % val', async () => {
    const progress: LoadProgress[] = [];
    const dataset = await loadBuiltinDataset('digits', fetchPublicFile, (p) => progress.push(p));
    const { train, val, test, info } = dataset;
    expect(info.inputShape).toEqual([8, 8, 1]);
    expect(info.numClasses).toBe(10);
    expect(train.count + val.count + test.count).toBe(1797);
    expect(test.count).toBe(Math.round(1797 * 0.2));
    expect(val.count).toBe(Math.round((1797 - test.count) * 0.1));
    expect(getBuiltinDataset('digits').sizes).toEqual({ train: train.count + val.count, test: test.count });
    for (const set of [train, val, test]) checkSet(set, 64, 10);
    // Grey levels 0..16 scaled by 16: the maximum pixel is exactly 1, every value a multiple of 1/16.
    expect(Math.max(...train.images)).toBe(1);
    expect(train.images.every((v) => Number.isInteger(v * 16))).toBe(true);
    // Every class is present in every split.
    for (const set of [train, val, test]) expect(new Set(set.labels).size).toBe(10);
    expect(progress.at(-1)?.fraction).toBe(1);
    expect(progress.every((p, i) => i === 0 || p.fraction >= progress[i - 1].fraction)).toBe(true);

    const again = await loadBuiltinDataset('digits', fetchPublicFile);
    expect(again.val.labels).toEqual(val.labels);
    expect(again.test.images).toEqual(test.images);
  });

  it('refuses an unknown dataset id, naming the built-in ones', async () => {
    await expect(loadBuiltinDataset('cifar-1000', fetchPublicFile)).rejects.toThrow(/Unknown dataset "cifar-1000".*digits/);
  });
});

describe('loadBuiltinDataset on IDX files', () => {
  it('reads (gzipped or plain) IDX files, carves val from train and keeps the official test split', async () => {
    const spec = getBuiltinDataset('mnist');
    const trainCount = 40;
    const testCount = 7;
    const pixels = 28 * 28;
    const trainImages = Array.from({ length: trainCount * pixels }, (_, i) => Math.floor(i / pixels) * 5);
    const files = new Map<string, Uint8Array>([
      [spec.files.trainImages, await gzip(idxBytes([trainCount, 28, 28], trainImages))],
      [spec.files.trainLabels!, idxBytes([trainCount], Array.from({ length: trainCount }, (_, i) => i % 10))],
      [spec.files.testImages!, await gzip(idxBytes([testCount, 28, 28], new Array(testCount * pixels).fill(255)))],
      [spec.files.testLabels!, await gzip(idxBytes([testCount], [0, 1, 2, 3, 4, 5, 6]))],
    ]);
    const fetchBytes: FetchBytes = async (path, onProgress) => {
      const bytes = files.get(path);
      if (!bytes) throw new Error(`unexpected path ${path}`);
      onProgress?.(bytes.length / 2, bytes.length);
      onProgress?.(bytes.length, bytes.length);
      return bytes;
    };
    const dataset = await loadBuiltinDataset('mnist', fetchBytes);
    expect(dataset.val.count).toBe(4);
    expect(dataset.train.count).toBe(36);
    expect(dataset.test.count).toBe(7);
    expect(Array.from(dataset.test.labels)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(dataset.test.images.every((v) => v === 1)).toBe(true);
    // Sample i has every pixel 5 i / 255 and label i % 10: images and labels stay paired.
    for (const set of [dataset.train, dataset.val]) {
      checkSet(set, pixels, 10);
      for (let s = 0; s < set.count; s++) {
        const id = Math.round((set.images[s * pixels] * 255) / 5);
        expect(set.labels[s]).toBe(id % 10);
        expect(set.images[s * pixels + pixels - 1]).toBe(set.images[s * pixels]);
      }
    }
  });

  it('reports a broken file with the name of the part that failed', async () => {
    const spec = getBuiltinDataset('fashion-mnist');
    const fetchBytes: FetchBytes = async (path) =>
      path === spec.files.trainLabels ? idxBytes([3], [0, 1, 2]) : idxBytes([2, 28, 28], new Array(2 * 784).fill(0));
    await expect(loadBuiltinDataset('fashion-mnist', fetchBytes)).rejects.toThrow(/images hold 2 samples but labels hold 3/);
  });
});
