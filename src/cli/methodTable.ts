// A method table from CLI runs (`npm run train -- ... --json FILE`, one file per method and seed):
// each method's test accuracy as mean ± sample standard deviation over its seeds, and its gain over
// the runs from the labels alone (method none) and over KD, seed by seed (docs/cifar10.md's tables).
import { mean, sampleStd } from '../core/stats';

/** The fields of a CLI result file (src/cli/runReport.ts) the table reads. */
export interface MethodRun {
  config: { method: string; seed: number; dataset: string; student: string; epochs?: number; kdRatio?: number };
  testAccuracy: number;
  valAccuracy: number | null;
  seconds: number;
}

/** A method's test accuracy minus a reference method's, over the seeds both ran. */
export interface PairedGain {
  mean: number;
  perSeed: number[];
  /** Seeds on which the method scored higher. */
  ahead: number;
  seeds: number;
  /** |mean| is larger than the larger of the two sample standard deviations (never with one seed). */
  beyondSpread: boolean;
}

export interface MethodRow {
  method: string;
  seeds: number[];
  /** Test accuracy per seed, in the order of `seeds` (fractions). */
  perSeed: number[];
  mean: number;
  std: number | null;
  meanSeconds: number;
  /** Against the runs without a teacher (method none); null for those runs or where none share a seed. */
  gain: PairedGain | null;
  /** Against KD's runs, likewise; null for KD itself. */
  vsKd: PairedGain | null;
}

type RunsBySeed = Map<number, MethodRun>;

/** `method` against `reference`, seed by seed; null where they share no seed or are the same runs. */
function pairedGain(method: RunsBySeed, reference: RunsBySeed | undefined): PairedGain | null {
  if (!reference || reference === method) return null;
  const seeds = [...method.keys()].sort((a, b) => a - b).filter((seed) => reference.has(seed));
  if (seeds.length === 0) return null;
  const scores = seeds.map((seed) => method.get(seed)!.testAccuracy);
  const referenceScores = seeds.map((seed) => reference.get(seed)!.testAccuracy);
  const differences = scores.map((score, i) => score - referenceScores[i]);
  const largerStd = Math.max(sampleStd(scores) ?? Infinity, sampleStd(referenceScores) ?? Infinity);
  const gain = mean(differences);
  return { mean: gain, perSeed: differences, ahead: differences.filter((d) => d > 0).length, seeds: seeds.length, beyondSpread: Math.abs(gain) > largerStd };
}

/**
 * One row per method in the order `methods` gives (methods without runs are left out), the
 * baseline `none` first. Every run must be of one dataset and student; a method and seed may
 * appear once.
 */
export function methodTableRows(runs: readonly MethodRun[], methods?: readonly string[]): MethodRow[] {
  const settings = new Set(runs.map((run) => `${run.config.dataset} / ${run.config.student}`));
  if (settings.size > 1) throw new Error(`the runs are of different datasets or students: ${[...settings].join(', ')}`);
  const byMethod = new Map<string, RunsBySeed>();
  for (const run of runs) {
    const seeds = byMethod.get(run.config.method) ?? new Map<number, MethodRun>();
    if (seeds.has(run.config.seed)) throw new Error(`two runs of ${run.config.method} with seed ${run.config.seed}`);
    seeds.set(run.config.seed, run);
    byMethod.set(run.config.method, seeds);
  }
  const order = ['none', ...(methods ?? [...byMethod.keys()]).filter((method) => method !== 'none')];
  return order
    .filter((method) => byMethod.has(method))
    .map((method) => {
      const runsBySeed = byMethod.get(method)!;
      const seeds = [...runsBySeed.keys()].sort((a, b) => a - b);
      const picked = seeds.map((seed) => runsBySeed.get(seed)!);
      const perSeed = picked.map((run) => run.testAccuracy);
      return {
        method,
        seeds,
        perSeed,
        mean: mean(perSeed),
        std: sampleStd(perSeed),
        meanSeconds: mean(picked.map((run) => run.seconds)),
        gain: pairedGain(runsBySeed, byMethod.get('none')),
        vsKd: method === 'none' ? null : pairedGain(runsBySeed, byMethod.get('kd')),
      };
    });
}

const percent = (fraction: number) => (100 * fraction).toFixed(2);
const points = (fraction: number) => `${fraction >= 0 ? '+' : '−'}${Math.abs(100 * fraction).toFixed(2)}`;

/** "+4.82 (ahead on 3 of 3 seeds, beyond the seed spread)", or '' without a gain. */
function formatGain(gain: PairedGain | null): string {
  if (!gain) return '';
  const spread = gain.seeds < 2 ? 'one seed: no spread to compare with' : `ahead on ${gain.ahead} of ${gain.seeds} seeds, ${gain.beyondSpread ? 'beyond' : 'within'} the seed spread`;
  return `${points(gain.mean)} (${spread})`;
}

/** The rows as a Markdown table: test accuracy (mean ± std), per seed, gains over the labels alone and over KD, minutes a run. */
export function formatMethodTable(rows: readonly MethodRow[]): string {
  const withKd = rows.some((row) => row.vsKd);
  const lines = [
    `| method | test accuracy | per seed | vs from the labels alone |${withKd ? ' vs KD |' : ''} minutes a run |`,
    `|---|---|---|---|${withKd ? '---|' : ''}---|`,
  ];
  for (const row of rows) {
    const score = `${percent(row.mean)} %${row.std === null ? '' : ` ± ${(100 * row.std).toFixed(2)}`}`;
    const name = row.method === 'none' ? 'none (labels alone)' : row.method;
    lines.push(`| ${name} | ${score} | ${row.perSeed.map(percent).join(', ')} | ${formatGain(row.gain)} |${withKd ? ` ${formatGain(row.vsKd)} |` : ''} ${(row.meanSeconds / 60).toFixed(0)} |`);
  }
  return lines.join('\n');
}
