// The Lab's export of an ended run: the Compare table's JSON row, named by what it really trained.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/train/config';
import type { RunResult } from '../../src/train/runTypes';
import { labResultJson, labRunLabel } from '../../src/state/labRunActions';

const config: ExperimentConfig = { ...DEFAULT_CONFIG, method: 'kd', params: { temperature: 4 }, kdRatio: 0.9, seed: 5 };

function result(overrides: Partial<RunResult> = {}): RunResult {
  return {
    config,
    status: 'stopped',
    testAccuracy: 0.8125,
    testMpa: 0.8,
    testAccuracyTta: null,
    testMpaTta: null,
    valAccuracy: 0.75,
    valMpa: 0.74,
    perClassAccuracy: [],
    confusion: [[13, 3], [0, 0]],
    history: [],
    samplesPerSecond: 100,
    seconds: 12.5,
    trainSeconds: 10,
    steps: 40,
    totalSteps: 100,
    backend: 'webgpu',
    teacherCached: true,
    studentParameters: 9930,
    terms: [],
    labelledCount: 1000,
    ...overrides,
  } as RunResult;
}

describe('the Lab run export', () => {
  it('names a run whose knobs changed by the changes, with their steps', () => {
    expect(labRunLabel(result())).toBe('kd temperature=4 kd_ratio=0.9 (Lab)');
    expect(labRunLabel(result({ knobChanges: [{ step: 21, params: { temperature: 30 } }, { step: 23, kdRatio: 0.5 }] }))).toBe(
      'kd temperature=4 kd_ratio=0.9 (Lab; from step 21 T = 30, from step 23 kd_ratio = 0.5)',
    );
  });

  it('writes one Compare row with the run\'s scores, status and starting configuration', () => {
    const exported = JSON.parse(labResultJson('run-1', result()));
    expect(exported.format).toBe('distillation-lab-comparison');
    expect(exported.rows).toHaveLength(1);
    const [row] = exported.rows;
    expect(row).toMatchObject({ id: 'run-1', status: 'stopped', method: 'kd', testAccuracy: 0.8125, valAccuracy: 0.75, parameters: 9930, seconds: 12.5, seed: 5, testCount: 16 });
    expect(row.config).toEqual(config);
  });
});
