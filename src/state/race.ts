// A comparison told as a race (a preset's story): one score a lane, filled in as its seeds finish,
// and when every lane has finished, one sentence with the measured gap and whether it is larger
// than the seeds' spread. Pure: the rows are the comparison table's (results.ts).
import type { ResultRow } from './results';
import type { RaceStory } from './presets';
import type { OmittedClassReport } from '../train/runTypes';

export interface RaceLane {
  group: string;
  label: string;
  /** Mean test accuracy over the finished seeds; null before the first. */
  mean: number | null;
  /** Sample standard deviation over them (null under two seeds). */
  spread: number | null;
  finished: number;
  seeds: number;
  baseline: boolean;
}

/** The lanes in the table's order: the baseline first, then each arm; the teacher is not a lane. */
export function raceLanes(configurations: readonly ResultRow[], runsByGroup: ReadonlyMap<string, readonly ResultRow[]>): RaceLane[] {
  return configurations
    .filter((row) => row.kind !== 'teacher')
    .map((row) => {
      const runs = runsByGroup.get(row.group) ?? [row];
      return {
        group: row.group,
        label: row.label,
        mean: row.testAccuracy,
        spread: row.seedSpread?.testAccuracy ?? null,
        finished: row.seeds.length,
        seeds: Math.max(runs.length, row.seeds.length, 1),
        baseline: row.kind === 'baseline',
      };
    });
}

const points = (fraction: number) => `${(Math.abs(fraction) * 100).toFixed(1)} points`;

/**
 * The race's closing sentence once both lanes it compares have all their seeds: who won, by how
 * much (percentage points of test accuracy), and whether the gap is larger than the larger of the
 * two lanes' standard deviations over seeds (the table's "> seed spread"). Null before that.
 */
export function raceSentence(story: RaceStory, lanes: readonly RaceLane[]): string | null {
  const baseline = lanes.find((lane) => lane.baseline);
  const contender = lanes.find((lane) => lane.label === story.contender);
  if (!baseline || !contender) return null;
  const done = (lane: RaceLane) => lane.mean !== null && lane.finished === lane.seeds;
  if (!done(baseline) || !done(contender)) return null;
  const gap = contender.mean! - baseline.mean!;
  const capital = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
  const small = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);
  if (gap === 0) return `${capital(story.contenderName)} and ${small(story.baselineName)} tie at ${(contender.mean! * 100).toFixed(1)} %.`;
  const [winner, loser] = gap > 0 ? [story.contenderName, story.baselineName] : [story.baselineName, story.contenderName];
  const spread = Math.max(baseline.spread ?? 0, contender.spread ?? 0);
  const seeds = Math.min(baseline.finished, contender.finished);
  const verdict =
    seeds < 2
      ? 'on one seed, which cannot say whether that is more than chance'
      : Math.abs(gap) > spread
        ? `more than the seed spread (±\u00a0${points(spread).replace(' points', '')})`
        : `within the seed spread (±\u00a0${points(spread).replace(' points', '')}): the seeds cannot tell them apart`;
  return `${capital(winner)} beat ${small(loser)} by ${points(gap)}, ${verdict}.`;
}

/**
 * The never-seen demo's closing sentence: how many test images of the classes the student never
 * saw it recognises, and after the bias chosen on validation (Hinton et al. 2015, §3).
 */
export function neverSeenSentence(report: OmittedClassReport, classNames: readonly string[]): string {
  const names = report.classes.map((c) => classNames[c] ?? String(c));
  const plural = (name: string) => (/^\d$/.test(name) ? `${name}s` : `images of ${name}`);
  const which = names.length === 1 ? `the ${plural(names[0])}` : `the images of ${names.join(' and ')}`;
  const percent = (fraction: number) => `${Math.round(fraction * 100)} %`;
  return `It recognised ${percent(report.omittedTestAccuracy)} of ${which} it never saw; ${percent(report.omittedTestAccuracyCorrected)} after the bias.`;
}
