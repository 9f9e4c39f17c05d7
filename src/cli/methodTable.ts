// A method table from CLI runs (`npm run train -- ... --json FILE`, one file per method and seed):
// each method's test accuracy as mean ± sample standard deviation over its seeds, and its gain over
// the runs from the labels alone (method none), seed by seed (docs/cifar10.md's tables).
import { sampleStd } from '../core/stats';

/** The fields of a CLI result file (src/cli/runReport.ts) the table reads. */
export interface MethodRun {
  config: { method: string; seed: number; dataset: string; student: string; epochs?: number; kdRatio?: number };
  testAccuracy: number;
  valAccuracy: number | null;
  seconds: number;
}

export interface MethodRow {
  method: string;
  seeds: number[];
  /** Test accuracy per seed, in the order of `seeds` (fractions). */
  perSeed: number[];
  mean: number;
  std: number | null;
  meanSeconds: number;
  /** Against the runs without a teacher (method none) of the same seeds; null for those runs or where none share a seed. */
  gain: { mean: number; perSeed: number[]; ahead: number; seeds: number; beyondSpread: boolean } | null;
}

const average = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * One row per method in the order `methods` gives (methods without runs are left out), the
 * baseline `none` first. Every run must be of one dataset and student; a method and seed may
 * appear once.
 */
export function methodTableRows(runs: readonly MethodRun[], methods?: readonly string[]): MethodRow[] {
  const settings = new Set(runs.map((run) => `${run.config.dataset} / ${run.config.student}`));
  if (settings.size > 1) throw new Error(`the runs are of different datasets or students: ${[...settings].join(', ')}`);
  const byMethod = new Map<string, Map<number, MethodRun>>();
  for (const run of runs) {
    const seeds = byMethod.get(run.config.method) ?? new Map<number, MethodRun>();
    if (seeds.has(run.config.seed)) throw new Error(`two runs of ${run.config.method} with seed ${run.config.seed}`);
    seeds.set(run.config.seed, run);
    byMethod.set(run.config.method, seeds);
  }
  const order = ['none', ...(methods ?? [...byMethod.keys()]).filter((method) => method !== 'none')];
  const baseline = byMethod.get('none');
  return order
    .filter((method) => byMethod.has(method))
    .map((method) => {
      const seeds = [...byMethod.get(method)!.keys()].sort((a, b) => a - b);
      const picked = seeds.map((seed) => byMethod.get(method)!.get(seed)!);
      const perSeed = picked.map((run) => run.testAccuracy);
      const row: MethodRow = {
        method,
        seeds,
        perSeed,
        mean: average(perSeed),
        std: sampleStd(perSeed),
        meanSeconds: average(picked.map((run) => run.seconds)),
        gain: null,
      };
      const paired = method === 'none' || !baseline ? [] : seeds.filter((seed) => baseline.has(seed));
      if (paired.length > 0) {
        const differences = paired.map((seed) => byMethod.get(method)!.get(seed)!.testAccuracy - baseline!.get(seed)!.testAccuracy);
        const baselineScores = paired.map((seed) => baseline!.get(seed)!.testAccuracy);
        const pairedScores = paired.map((seed) => byMethod.get(method)!.get(seed)!.testAccuracy);
        const largerStd = Math.max(sampleStd(baselineScores) ?? Infinity, sampleStd(pairedScores) ?? Infinity);
        const gain = average(differences);
        row.gain = { mean: gain, perSeed: differences, ahead: differences.filter((d) => d > 0).length, seeds: paired.length, beyondSpread: Math.abs(gain) > largerStd };
      }
      return row;
    });
}

const percent = (fraction: number) => (100 * fraction).toFixed(2);
const points = (fraction: number) => `${fraction >= 0 ? '+' : '−'}${Math.abs(100 * fraction).toFixed(2)}`;

/** The rows as a Markdown table: test accuracy (mean ± std), per seed, gain over the labels alone, minutes a run. */
export function formatMethodTable(rows: readonly MethodRow[]): string {
  const lines = ['| method | test accuracy | per seed | vs from the labels alone | minutes a run |', '|---|---|---|---|---|'];
  for (const row of rows) {
    const score = `${percent(row.mean)} %${row.std === null ? '' : ` ± ${(100 * row.std).toFixed(2)}`}`;
    const spread = (gain: NonNullable<MethodRow['gain']>) =>
      gain.seeds < 2 ? 'one seed: no spread to compare with' : `ahead on ${gain.ahead} of ${gain.seeds} seeds, ${gain.beyondSpread ? 'beyond' : 'within'} the seed spread`;
    const gain = row.gain ? `${points(row.gain.mean)} (${spread(row.gain)})` : '';
    lines.push(`| ${row.method === 'none' ? 'none (labels alone)' : row.method} | ${score} | ${row.perSeed.map(percent).join(', ')} | ${gain} | ${(row.meanSeconds / 60).toFixed(0)} |`);
  }
  return lines.join('\n');
}
