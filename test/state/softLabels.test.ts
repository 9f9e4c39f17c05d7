// The explorer's math, checked against values worked out by hand.
import { describe, expect, it } from 'vitest';
import { darkKnowledgeMatrix, entropyBits, mostConfusedPairs, oneHot, softmaxAt } from '../../src/state/softLabels';

describe('softmaxAt', () => {
  it('matches hand values at T = 1 and divides the logits by T', () => {
    const [a, b] = softmaxAt([0, Math.log(3)], 1);
    expect(a).toBeCloseTo(0.25, 12);
    expect(b).toBeCloseTo(0.75, 12);
    // logits / 2 = [0, ln 3] again
    const half = softmaxAt([0, 2 * Math.log(3)], 2);
    expect(half[0]).toBeCloseTo(0.25, 12);
    expect(half[1]).toBeCloseTo(0.75, 12);
  });

  it('reads one row of a flat logit array', () => {
    const flat = [9, 9, 9, 0, Math.log(3), 9];
    const row = softmaxAt(flat, 1, 3, 2);
    expect(row).toHaveLength(2);
    expect(row[1]).toBeCloseTo(0.75, 12);
  });

  it('stays finite for huge logits and low temperatures', () => {
    const p = softmaxAt([1000, 0, -1000], 0.5);
    expect(p[0]).toBe(1);
    expect(p[1]).toBe(0);
    expect(p.every(Number.isFinite)).toBe(true);
  });

  it('refuses a temperature that is not positive', () => {
    expect(() => softmaxAt([1, 2], 0)).toThrow(/positive/);
  });
});

describe('entropyBits', () => {
  it('is log2 of the class count for a uniform distribution and 0 for one-hot', () => {
    expect(entropyBits([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(2, 12);
    expect(entropyBits(oneHot(2, 10))).toBe(0);
    expect(entropyBits([0.5, 0.25, 0.25])).toBeCloseTo(1.5, 12);
  });

  it('grows with the temperature towards log2(K)', () => {
    const logits = [8, 3, 1, 0, -2];
    const at = (t: number) => entropyBits(softmaxAt(logits, t));
    expect(at(1)).toBeLessThan(at(4));
    expect(at(4)).toBeLessThan(at(20));
    expect(at(1000)).toBeCloseTo(Math.log2(5), 4);
  });
});

describe('oneHot', () => {
  it('puts all the mass on the label', () => {
    expect(oneHot(1, 3)).toEqual([0, 1, 0]);
  });
});

describe('darkKnowledgeMatrix', () => {
  it('averages the soft labels of each true class', () => {
    // two images of class 0 with soft labels [1/4, 3/4] and [3/4, 1/4]; one image of class 1: [1/4, 3/4]
    const ln3 = Math.log(3);
    const logits = [0, ln3, ln3, 0, 0, ln3];
    const { matrix, counts } = darkKnowledgeMatrix(logits, [0, 0, 1], 2, 1);
    expect(counts).toEqual([2, 1]);
    expect(matrix[0][0]).toBeCloseTo(0.5, 12);
    expect(matrix[0][1]).toBeCloseTo(0.5, 12);
    expect(matrix[1][0]).toBeCloseTo(0.25, 12);
    expect(matrix[1][1]).toBeCloseTo(0.75, 12);
  });

  it('has rows that sum to 1, except a class without images (all zeros), at every temperature', () => {
    const logits = [5, 1, 0, 2, 6, 1, 0, 0, 9, 3, 3, 1];
    for (const t of [0.5, 1, 4, 20]) {
      const { matrix, counts } = darkKnowledgeMatrix(logits, [0, 1, 0, 1], 3, t);
      expect(counts).toEqual([2, 2, 0]);
      expect(matrix[0].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(matrix[1].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(matrix[2]).toEqual([0, 0, 0]);
    }
  });

  it('refuses logits that do not match the labels', () => {
    expect(() => darkKnowledgeMatrix([1, 2, 3], [0, 1], 2, 1)).toThrow(/rows/);
  });
});

describe('mostConfusedPairs', () => {
  it('lists off-diagonal cells, largest first, ties by the share of the class', () => {
    const confusion = [
      [10, 2, 0],
      [0, 3, 2],
      [5, 0, 7],
    ];
    const pairs = mostConfusedPairs(confusion, 5);
    expect(pairs.map((p) => [p.actual, p.predicted, p.count])).toEqual([
      [2, 0, 5],
      [1, 2, 2], // 2 of 5 images of class 1 beats 2 of 12 of class 0
      [0, 1, 2],
    ]);
    expect(pairs[1].rate).toBeCloseTo(0.4, 12);
    expect(mostConfusedPairs(confusion, 1)).toHaveLength(1);
  });

  it('is empty for a perfect classifier', () => {
    expect(mostConfusedPairs([[3, 0], [0, 4]], 3)).toEqual([]);
  });
});
