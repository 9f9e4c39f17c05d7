// Seeded validation/test carving: deterministic, disjoint, covering, the asked-for size.
import { describe, expect, it } from 'vitest';
import { carveSplit, classCounts, limitSet, pickSamples, SPLIT_SEED, VAL_FRACTION } from '../../src/data/split';
import type { ImageSet } from '../../src/data/types';

/** Sample i has every pixel equal to i (so images identify their sample) and label i % 10. */
function numberedSet(count: number, pixels = 3): ImageSet {
  const images = new Float32Array(count * pixels);
  for (let i = 0; i < count; i++) images.fill(i, i * pixels, (i + 1) * pixels);
  return { images, labels: Int32Array.from({ length: count }, (_, i) => i % 10), count };
}

/** Which original samples a set holds, read back from its pixels; checks pixels and labels agree. */
function sampleIds(set: ImageSet, pixels = 3): number[] {
  return Array.from({ length: set.count }, (_, i) => {
    const id = set.images[i * pixels];
    for (let p = 0; p < pixels; p++) expect(set.images[i * pixels + p]).toBe(id);
    expect(set.labels[i]).toBe(id % 10);
    return id;
  });
}

describe('carveSplit', () => {
  const set = numberedSet(1000);

  it('carves 10 % for validation, disjoint from the rest, and together they cover everything', () => {
    const [rest, val] = carveSplit(set, VAL_FRACTION, SPLIT_SEED);
    expect(val.count).toBe(100);
    expect(rest.count).toBe(900);
    const valIds = sampleIds(val);
    const restIds = sampleIds(rest);
    const all = new Set([...valIds, ...restIds]);
    expect(all.size).toBe(1000);
    expect(valIds.some((id) => restIds.includes(id))).toBe(false);
  });

  it('rounds the carved size and keeps both parts in the original order', () => {
    const [rest, carved] = carveSplit(numberedSet(1797), 0.2, 5);
    expect(carved.count).toBe(Math.round(1797 * 0.2));
    expect(rest.count + carved.count).toBe(1797);
    for (const part of [rest, carved]) {
      const ids = sampleIds(part);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const first = sampleIds(carveSplit(set, 0.1, 42)[1]);
    const again = sampleIds(carveSplit(set, 0.1, 42)[1]);
    const other = sampleIds(carveSplit(set, 0.1, 43)[1]);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('is a random draw, not the first or last 10 %', () => {
    const ids = sampleIds(carveSplit(set, 0.1, SPLIT_SEED)[1]);
    expect(ids.filter((id) => id < 500).length).toBeGreaterThan(25);
    expect(ids.filter((id) => id >= 500).length).toBeGreaterThan(25);
  });
});

describe('pickSamples, limitSet, classCounts', () => {
  it('picks samples by index, in the given order', () => {
    expect(sampleIds(pickSamples(numberedSet(20), [7, 3, 19]))).toEqual([7, 3, 19]);
  });

  it('limits to the first N samples, and returns the set itself without a limit', () => {
    const set = numberedSet(30);
    expect(sampleIds(limitSet(set, 5))).toEqual([0, 1, 2, 3, 4]);
    expect(limitSet(set, undefined)).toBe(set);
    expect(limitSet(set, 30)).toBe(set);
  });

  it('counts samples per class', () => {
    expect(classCounts(numberedSet(23), 10)).toEqual([3, 3, 3, 2, 2, 2, 2, 2, 2, 2]);
  });
});
