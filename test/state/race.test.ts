// The race view's numbers: lanes from the comparison table and the closing sentence.
import { describe, expect, it } from 'vitest';
import { neverSeenSentence, raceLanes, raceSentence, type RaceLane } from '../../src/state/race';
import { getPreset } from '../../src/state/presets';
import { comparisonTable, studentRow, teacherRow } from '../../src/state/results';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/train/config';
import type { RunResult } from '../../src/train/runTypes';

const story = getPreset('soft-vs-hard').race!;
const hardConfig: ExperimentConfig = { ...DEFAULT_CONFIG, method: 'none', params: {} };
const softConfig: ExperimentConfig = { ...DEFAULT_CONFIG, method: 'kd', params: { temperature: 20 }, kdRatio: 1 };

function result(config: ExperimentConfig, testAccuracy: number): RunResult {
  return {
    config, status: 'done', testAccuracy, testMpa: testAccuracy, testAccuracyTta: null, testMpaTta: null, valAccuracy: testAccuracy, valMpa: testAccuracy,
    perClassAccuracy: [], confusion: [[360]], history: [], samplesPerSecond: 1, seconds: 1, trainSeconds: 1, evalSeconds: 0, steps: 10, totalSteps: 10, backend: 'cpu',
    teacherCached: true, studentParameters: 1, terms: [], labelledCount: 200,
  } as RunResult;
}

function race(hard: (number | null)[], soft: (number | null)[]) {
  const rows = [
    teacherRow({ id: 'teacher', label: 'teacher', config: softConfig, status: 'done', evaluation: { valAccuracy: 1, valMpa: 1, testAccuracy: 0.99, testMpa: 0.99, testAccuracyTta: null, testMpaTta: null, perClassAccuracy: [], confusion: [] }, parameters: 1, seconds: 1 }),
    ...hard.map((a, i) => studentRow({ id: `hard-${i}`, label: 'Hard labels only (kd_ratio 0)', config: { ...hardConfig, seed: i + 1 }, status: a === null ? 'queued' : 'done', result: a === null ? null : result(hardConfig, a), group: 'hard' })),
    ...soft.map((a, i) => studentRow({ id: `soft-${i}`, label: story.contender, config: { ...softConfig, seed: i + 1 }, status: a === null ? 'queued' : 'done', result: a === null ? null : result(softConfig, a), group: 'soft' })),
  ];
  const table = comparisonTable(rows);
  return raceLanes(table.configurations, table.runsByGroup);
}

describe('the race', () => {
  it('one lane per arm, the baseline first, filled in as seeds finish; no sentence until both lanes have every seed', () => {
    const lanes = race([0.85, null, null], [0.95, 0.96, null]);
    expect(lanes.map((lane) => [lane.label, lane.finished, lane.seeds, lane.baseline])).toEqual([
      ['Hard labels only (kd_ratio 0)', 1, 3, true],
      [story.contender, 2, 3, false],
    ]);
    expect(lanes[1].mean).toBeCloseTo(0.955, 12);
    expect(raceSentence(story, lanes)).toBeNull();
  });

  it('says who won by how many points, and whether that is more than the seed spread', () => {
    expect(raceSentence(story, race([0.86, 0.88, 0.9], [0.95, 0.96, 0.97]))).toBe('Soft labels beat hard labels by 8.0 points, more than the seed spread (±\u00a02.0).');
    expect(raceSentence(story, race([0.9, 0.94, 0.92], [0.93, 0.92, 0.94]))).toBe('Soft labels beat hard labels by 1.0 points, within the seed spread (±\u00a02.0): the seeds cannot tell them apart.');
    expect(raceSentence(story, race([0.95, 0.96, 0.97], [0.9, 0.91, 0.92]))).toBe('Hard labels beat soft labels by 5.0 points, more than the seed spread (±\u00a01.0).');
    expect(raceSentence(story, race([0.9], [0.95]))).toBe('Soft labels beat hard labels by 5.0 points, on one seed, which cannot say whether that is more than chance.');
  });

  it('a lane the story does not name gives no sentence', () => {
    const lanes: RaceLane[] = [{ group: 'g', label: 'other', mean: 0.9, spread: null, finished: 1, seeds: 1, baseline: false }];
    expect(raceSentence(story, lanes)).toBeNull();
  });
});

describe('the never-seen demo', () => {
  it('says how many of the never-seen class it recognised, before and after the bias', () => {
    const report = { classes: [3], bias: 2, omittedTestAccuracy: 0.8819, omittedTestAccuracyCorrected: 1, omittedTestCount: 36, testAccuracy: 0.95, testAccuracyCorrected: 0.97, valAccuracy: 0.95, valAccuracyCorrected: 0.96 };
    const digits = Array.from({ length: 10 }, (_, i) => String(i));
    expect(neverSeenSentence(report, digits)).toBe('It recognised 88 % of the 3s it never saw; 100 % after the bias.');
    expect(neverSeenSentence({ ...report, classes: [3, 5] }, digits)).toBe('It recognised 88 % of the images of 3 and 5 it never saw; 100 % after the bias.');
    expect(neverSeenSentence(report, ['a', 'b', 'c', 'cat'])).toBe('It recognised 88 % of the images of cat it never saw; 100 % after the bias.');
  });
});
