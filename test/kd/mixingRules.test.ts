// Which rule each method's weight follows in training (mixing.ts), from its metadata.
import { describe, expect, it } from 'vitest';
import { METHODS, termWeights, warmupEpochs, warmupFactor } from '../../src/kd';

describe('mixing metadata', () => {
  it('only kd (the classroom slider) mixes by ratio; every other method is additive, as its reference', () => {
    expect(METHODS.filter((m) => m.mixing === 'ratio').map((m) => m.id)).toEqual(['kd']);
    expect(METHODS.every((m) => m.mixing === 'ratio' || m.mixing === 'additive')).toBe(true);
  });

  it("only DKD has a warm-up (a share of the run: mdistiller's 20 of 240 epochs)", () => {
    const withWarmup = METHODS.filter((m) => m.params.some((p) => p.name.startsWith('warmup')));
    expect(withWarmup.map((m) => m.id)).toEqual(['dkd']);
    expect(withWarmup[0].params.find((p) => p.name === 'warmupFraction')!.default).toBe(20 / 240);
    expect(withWarmup[0].params.find((p) => p.name === 'warmupEpochs')!.default).toBe(0);
  });

  it('says which layers each method reads', () => {
    const reads = Object.fromEntries(METHODS.map((m) => [m.id, m.layers.reads]));
    expect(reads).toEqual({
      none: 'logits', kd: 'logits', dkd: 'logits', dist: 'logits', dml: 'logits',
      at: 'features', sp: 'features', nst: 'features', fitnet: 'features', mgd: 'features', vid: 'features', afd: 'features', udml: 'features',
      rkd: 'embedding', pkt: 'embedding', irg: 'embedding',
    });
  });
});

describe('termWeights', () => {
  it('a single ratio term follows the kd_ratio rule (docs/ARCHITECTURE.md)', () => {
    expect(termWeights([{ mixing: 'ratio', weight: 0.9 }]).ce).toBeCloseTo(0.1, 12);
    expect(termWeights([{ mixing: 'ratio', weight: 1 }])).toEqual({ ce: 0, terms: [1] });
    expect(termWeights([{ mixing: 'ratio', weight: 4 }])).toEqual({ ce: 1, terms: [4] });
  });

  it('an additive term keeps w_ce = 1 at any weight', () => {
    for (const weight of [0, 0.5, 1, 1000]) expect(termWeights([{ mixing: 'additive', weight }])).toEqual({ ce: 1, terms: [weight] });
  });

  it('a recipe takes w_ce from its first term only', () => {
    expect(termWeights([{ mixing: 'ratio', weight: 0.75 }, { mixing: 'additive', weight: 1000 }])).toEqual({ ce: 0.25, terms: [0.75, 1000] });
    expect(termWeights([{ mixing: 'additive', weight: 1000 }, { mixing: 'ratio', weight: 0.75 }])).toEqual({ ce: 1, terms: [1000, 0.75] });
    expect(termWeights([])).toEqual({ ce: 1, terms: [] });
  });

  it('refuses a negative weight', () => {
    expect(() => termWeights([{ mixing: 'additive', weight: -1 }])).toThrow(/-1/);
  });
});

describe('warmupFactor', () => {
  it('is min(epoch / warmup, 1), and 1 without a warmup', () => {
    expect(warmupFactor(0, 20)).toBe(0);
    expect(warmupFactor(5, 20)).toBe(0.25);
    expect(warmupFactor(20, 20)).toBe(1);
    expect(warmupFactor(35, 20)).toBe(1);
    expect(warmupFactor(3, 0)).toBe(1);
  });
});

describe('warmupEpochs', () => {
  it('is the share of the run, or a fixed number of epochs when one is given', () => {
    expect(warmupEpochs({ warmupFraction: 20 / 240, warmupEpochs: 0 }, 240)).toBeCloseTo(20, 12);
    expect(warmupEpochs({ warmupFraction: 20 / 240, warmupEpochs: 0 }, 12)).toBeCloseTo(1, 12);
    expect(warmupEpochs({ warmupFraction: 0.5, warmupEpochs: 0 }, 1.5)).toBe(0.75);
    expect(warmupEpochs({ warmupFraction: 20 / 240, warmupEpochs: 20 }, 3)).toBe(20);
    expect(warmupEpochs({ warmupFraction: 0, warmupEpochs: 0 }, 100)).toBe(0);
  });
});
