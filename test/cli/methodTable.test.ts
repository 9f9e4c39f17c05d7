// The method table of CLI runs (src/cli/methodTable.ts): mean ± sample std over seeds, the gain over
// the labels alone paired seed by seed, and refusals of runs that do not belong in one table.
import { describe, expect, it } from 'vitest';
import { formatMethodTable, methodTableRows, type MethodRun } from '../../src/cli/methodTable';

const run = (method: string, seed: number, testAccuracy: number, seconds = 600, dataset = 'cifar10'): MethodRun => ({
  config: { method, seed, dataset, student: 'medium-cnn' },
  testAccuracy,
  valAccuracy: null,
  seconds,
});

describe('methodTableRows', () => {
  const runs = [run('kd', 2, 0.7078), run('none', 1, 0.6613), run('kd', 1, 0.7139), run('none', 2, 0.6684), run('kd', 3, 0.7091), run('none', 3, 0.6565), run('at', 1, 0.66, 1200)];

  it('puts the labels-alone row first and keeps the asked order', () => {
    expect(methodTableRows(runs, ['at', 'kd']).map((row) => row.method)).toEqual(['none', 'at', 'kd']);
    expect(methodTableRows(runs).map((row) => row.method)).toEqual(['none', 'kd', 'at']);
  });

  it('gives the mean and the sample standard deviation over seeds, seeds in order', () => {
    const kd = methodTableRows(runs).find((row) => row.method === 'kd')!;
    expect(kd.seeds).toEqual([1, 2, 3]);
    expect(kd.perSeed).toEqual([0.7139, 0.7078, 0.7091]);
    expect(kd.mean).toBeCloseTo(0.710267, 6);
    // sqrt(((0.7139-m)^2 + (0.7078-m)^2 + (0.7091-m)^2) / 2)
    expect(kd.std).toBeCloseTo(0.003213, 6);
  });

  it('pairs the gain seed by seed with the labels-alone runs and compares it with the larger spread', () => {
    const [none, kd, at] = methodTableRows(runs);
    expect(none.gain).toBeNull();
    expect(kd.gain!.perSeed.map((d) => Number(d.toFixed(4)))).toEqual([0.0526, 0.0394, 0.0526]);
    expect(kd.gain!.mean).toBeCloseTo(0.0482, 4);
    expect(kd.gain!.ahead).toBe(3);
    expect(kd.gain!.beyondSpread).toBe(true);
    // One seed: no spread to compare with, so the gain is never called beyond it.
    expect(at.gain).toMatchObject({ seeds: 1, ahead: 0, beyondSpread: false });
    expect(at.std).toBeNull();
  });

  it('calls a gain smaller than the larger standard deviation within the spread', () => {
    const rows = methodTableRows([run('none', 1, 0.6), run('none', 2, 0.7), run('dist', 1, 0.62), run('dist', 2, 0.7)]);
    expect(rows[1].gain).toMatchObject({ ahead: 1, seeds: 2, beyondSpread: false });
  });

  it('refuses runs of different datasets and a method run twice with one seed', () => {
    expect(() => methodTableRows([run('kd', 1, 0.7), run('kd', 2, 0.7, 600, 'mnist')])).toThrow(/different datasets/);
    expect(() => methodTableRows([run('kd', 1, 0.7), run('kd', 1, 0.71)])).toThrow(/two runs of kd with seed 1/);
  });

  it('compares every method but none with KD on the seeds both ran', () => {
    const [none, kd, at] = methodTableRows(runs, ['kd', 'at']);
    expect(none.vsKd).toBeNull();
    expect(kd.vsKd).toBeNull();
    expect(at.vsKd!.perSeed.map((d) => Number(d.toFixed(4)))).toEqual([-0.0539]);
    expect(methodTableRows(runs.filter((run) => run.config.method !== 'kd'))[1].vsKd).toBeNull();
  });

  it('formats percentages, the signed gains and minutes', () => {
    const table = formatMethodTable(methodTableRows(runs, ['kd', 'at']));
    expect(table.split('\n')[0]).toBe('| method | test accuracy | per seed | vs from the labels alone | vs KD | minutes a run |');
    expect(table.split('\n')[2]).toBe('| none (labels alone) | 66.21 % ± 0.60 | 66.13, 66.84, 65.65 |  |  | 10 |');
    expect(table).toContain('| at | 66.00 % | 66.00 | −0.13 (one seed: no spread to compare with) | −5.39 (one seed: no spread to compare with) | 20 |');
    expect(table).toContain('| kd | 71.03 % ± 0.32 | 71.39, 70.78, 70.91 | +4.82 (ahead on 3 of 3 seeds, beyond the seed spread) |  | 10 |');
    // Without KD runs there is no KD column.
    expect(formatMethodTable(methodTableRows([run('none', 1, 0.6), run('at', 1, 0.62)])).split('\n')[0]).toBe('| method | test accuracy | per seed | vs from the labels alone | minutes a run |');
  });
});
