import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/train/config';
import { parseSweep, RANGE_DEFAULT_COUNT } from '../../src/train/sweep';

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
});
