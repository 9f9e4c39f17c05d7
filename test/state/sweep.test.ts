import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/train/config';
import { parseSweep, RANGE_DEFAULT_COUNT } from '../../src/state/sweep';

const base: ExperimentConfig = { ...DEFAULT_CONFIG, method: 'kd', params: { temperature: 4 }, kdRatio: 0.9, seed: 7 };

function runs(text: string, config = base) {
  const parsed = parseSweep(text, config);
  if (!parsed.ok) throw new Error(`expected "${text}" to parse, got: ${parsed.error}`);
  return parsed.runs;
}

function error(text: string, config = base): string {
  const parsed = parseSweep(text, config);
  if (parsed.ok) throw new Error(`expected "${text}" to be refused, got ${parsed.runs.map((r) => r.label).join(', ')}`);
  return parsed.error;
}

describe('parseSweep', () => {
  it('lists a method parameter, one configuration per value, the rest of the base untouched', () => {
    const list = runs('temperature 1, 2, 4, 8, 16');
    expect(list.map((r) => r.label)).toEqual(['temperature=1', 'temperature=2', 'temperature=4', 'temperature=8', 'temperature=16']);
    expect(list.map((r) => r.config.params.temperature)).toEqual([1, 2, 4, 8, 16]);
    for (const run of list) {
      expect(run.config.seed).toBe(7);
      expect(run.config.kdRatio).toBe(0.9);
      expect(run.config.method).toBe('kd');
    }
    // The base is not mutated and the configurations are independent copies.
    expect(base.params.temperature).toBe(4);
    expect(list[0].config.params).not.toBe(list[1].config.params);
  });

  it('expands "a … b" to five evenly spaced values, with … or ...', () => {
    expect(RANGE_DEFAULT_COUNT).toBe(5);
    expect(runs('kd_ratio 0 … 1').map((r) => r.config.kdRatio)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(runs('kd_ratio 0...1').map((r) => r.config.kdRatio)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(runs('kd_ratio 0 … 1')[1].label).toBe('kd_ratio=0.25');
  });

  it('honours "step", without float noise, and includes the end when the step lands on it', () => {
    expect(runs('kd_ratio 0 ... 1 step 0.25').map((r) => r.config.kdRatio)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(runs('kd_ratio 0 … 0.3 step 0.1').map((r) => r.config.kdRatio)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(runs('temperature 1 … 16 step 5').map((r) => r.config.params.temperature)).toEqual([1, 6, 11, 16]);
    expect(runs('temperature 1 … 10 step 4').map((r) => r.config.params.temperature)).toEqual([1, 5, 9]);
  });

  it('accepts other spellings of training knobs and sets the right field', () => {
    expect(runs('kdRatio 0.5, 0.9').map((r) => r.config.kdRatio)).toEqual([0.5, 0.9]);
    expect(runs('lr: 0.001, 0.01').map((r) => r.config.lr)).toEqual([0.001, 0.01]);
    expect(runs('epochs 1, 2').map((r) => r.config.epochs)).toEqual([1, 2]);
    expect(runs('ema_decay 0, 0.99').map((r) => r.config.emaDecay)).toEqual([0, 0.99]);
  });

  it('sweeps the method itself with each method\'s defaults', () => {
    const list = runs('method kd, dkd, dist');
    expect(list.map((r) => r.config.method)).toEqual(['kd', 'dkd', 'dist']);
    expect(list[1].config.params).toMatchObject({ alpha: 1, beta: 8, temperature: 4 });
    expect(list.every((r) => r.config.seed === 7)).toBe(true);
  });

  it('refuses with a message that names what is wrong', () => {
    expect(error('')).toMatch(/type a knob/i);
    expect(error('temprature 1, 2')).toMatch(/Unknown knob "temprature".*temperature/);
    expect(error('temperature')).toMatch(/No values for temperature/);
    expect(error('temperature 1, two, 4')).toMatch(/"two" is not a number/);
    expect(error('temperature 0, 2')).toMatch(/^temperature 0: .*temperature/i);
    expect(error('kd_ratio 1 … 0')).toMatch(/ends \(0\) below where it starts \(1\)/);
    expect(error('kd_ratio 0 … 1 step 0')).toMatch(/step must be greater than 0/);
    expect(error('kd_ratio 0, 1 step 0.5')).toMatch(/step needs a range/);
    expect(error('kd_ratio 0 … 1 step 0.001')).toMatch(/too many/);
    expect(error('epochs 1.5')).toMatch(/whole numbers/);
    expect(error('seed 1, 2')).toMatch(/same seed/);
    expect(error('method kd, nope')).toMatch(/unknown method "nope"/);
    expect(error('temperature 2, 2')).toMatch(/temperature=2 appears twice/);
    expect(error('temperature 1, 2', { ...base, method: 'none', params: {} })).toMatch(/method "none" has no parameters/);
  });

  it("refuses a kd_ratio sweep across 1 for kd, naming the hard-label weight's jump", () => {
    expect(error('kd_ratio 0.5, 1, 2')).toMatch(/crosses 1, where kd's hard-label weight jumps.*CE weight 0 at exactly 1.*CE weight back to 1/);
    expect(error('kd_ratio 0 … 2')).toMatch(/crosses 1/);
    // kd alone is a share: above 1 is refused with the same reason.
    expect(error('kd_ratio 2, 3')).toMatch(/kd_ratio 2: kd mixes by ratio.*jump from 0 back to 1/);
    // Additive methods have no jump: any weights sweep.
    const dkd = { ...base, method: 'dkd', params: {}, kdRatio: 1 };
    expect(runs('kd_ratio 0.5, 1, 2', dkd).map((r) => r.config.kdRatio)).toEqual([0.5, 1, 2]);
  });

  it('a kd_ratio sweep of a recipe sets its first term, and refuses to cross 1 when that term is kd', () => {
    const recipe: ExperimentConfig = {
      ...base,
      terms: [
        { method: 'kd', weight: 0.9, params: { temperature: 4 } },
        { method: 'at', weight: 1000, params: { p: 2 } },
      ],
    };
    const list = runs('kd_ratio 0.25, 0.5', recipe);
    expect(list.map((r) => r.config.terms?.[0].weight)).toEqual([0.25, 0.5]);
    expect(list.map((r) => r.config.terms?.[1].weight)).toEqual([1000, 1000]);
    expect(recipe.terms?.[0].weight).toBe(0.9);
    expect(error('kd_ratio 0.5, 4', recipe)).toMatch(/crosses 1/);
    // Above 1 only, a recipe's kd term trains CE + r·KD: allowed.
    expect(runs('kd_ratio 2, 4', recipe).map((r) => r.config.terms?.[0].weight)).toEqual([2, 4]);
  });
});
