// Seeded randomness: reproducible streams, proper permutations, independent derived seeds.
import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, permutation, randomInt } from '../../src/core/rng';

const draw = (rng: () => number, n: number) => Array.from({ length: n }, rng);

describe('createRng', () => {
  it('repeats its stream for a seed and differs between seeds', () => {
    expect(draw(createRng(42), 20)).toEqual(draw(createRng(42), 20));
    expect(draw(createRng(42), 20)).not.toEqual(draw(createRng(43), 20));
  });

  it('returns floats in [0, 1) with a mean near 1/2 and no short cycle', () => {
    const values = draw(createRng(7), 20000);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(new Set(values).size).toBeGreaterThan(19990);
  });
});

describe('randomInt', () => {
  it('stays in [0, n) and hits every value', () => {
    const rng = createRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = randomInt(rng, 7);
      expect(Number.isInteger(v) && v >= 0 && v < 7).toBe(true);
      seen.add(v);
    }
    expect(seen.size).toBe(7);
  });
});

describe('permutation', () => {
  it('is a permutation of 0..n-1, seeded, and actually shuffles', () => {
    const order = permutation(500, createRng(9));
    expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(permutation(500, createRng(9))).toEqual(order);
    expect(permutation(500, createRng(10))).not.toEqual(order);
    const fixedPoints = Array.from(order).filter((v, i) => v === i).length;
    expect(fixedPoints).toBeLessThan(10); // a uniform shuffle has about 1
  });

  it('puts every element first about equally often (unbiased Fisher–Yates)', () => {
    const rng = createRng(11);
    const firsts = new Array(4).fill(0);
    for (let i = 0; i < 4000; i++) firsts[permutation(4, rng)[0]]++;
    for (const count of firsts) expect(Math.abs(count - 1000)).toBeLessThan(120);
  });
});

describe('deriveSeed', () => {
  it('is deterministic and depends on both the seed and the label', () => {
    expect(deriveSeed(1, 'batches')).toBe(deriveSeed(1, 'batches'));
    expect(deriveSeed(1, 'batches')).not.toBe(deriveSeed(1, 'augment'));
    expect(deriveSeed(1, 'batches')).not.toBe(deriveSeed(2, 'batches'));
    expect(Number.isInteger(deriveSeed(5, 'x')) && deriveSeed(5, 'x') >= 0 && deriveSeed(5, 'x') < 2 ** 32).toBe(true);
  });

  it('gives streams that are not shifted copies of each other', () => {
    const a = draw(createRng(deriveSeed(1, 'layer0')), 50);
    const b = draw(createRng(deriveSeed(1, 'layer1')), 50);
    expect(b.filter((v) => a.includes(v))).toHaveLength(0);
  });
});
