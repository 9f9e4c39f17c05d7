// setUpRun is the trust boundary of a run (docs/ARCHITECTURE.md §3): the configuration is checked
// against the real transfer set there, once, before anything is built; runExperiment trusts it.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentConfig } from '../../src/train/config';
import { setUpRun } from '../../src/train/runSetup';
import type { RunData } from '../../src/train/runTypes';
import { config, disposeData, syntheticData } from './fixtures';

let data: RunData;

beforeAll(() => {
  data = syntheticData(192, 32);
});

afterAll(() => disposeData(data));

/** The message setUpRun refuses `overrides` with, having built nothing. */
async function refusal(overrides: Partial<ExperimentConfig>): Promise<string> {
  const before = tf.memory().numTensors;
  const scratch = { method: 'none', params: {} };
  const setup = setUpRun({ config: config({ ...scratch, ...overrides }), dataset: data, teacher: null });
  const message = await setup.then(
    (made) => {
      made.student.dispose();
      made.release();
      return 'accepted';
    },
    (error: unknown) => (error as Error).message,
  );
  expect(tf.memory().numTensors).toBe(before);
  return message;
}

describe('setUpRun refuses, before building anything', () => {
  it('a batch larger than the transfer set (the training split after trainLimit and omitted classes)', async () => {
    expect(await refusal({ batchSize: 193 })).toBe('Batch size 193 is larger than the training set (192 samples)');
    expect(await refusal({ batchSize: 64, trainLimit: 50 })).toBe('Batch size 64 is larger than the training set (50 samples)');
    // Classes 1-3 left out: 48 samples of class 0 remain.
    expect(await refusal({ batchSize: 49, omitClasses: [1, 2, 3] })).toBe('Batch size 49 is larger than the training set (48 samples)');
    expect(await refusal({ batchSize: 48, omitClasses: [1, 2, 3] })).toBe('accepted');
  });

  it('a method that needs a teacher, without one', async () => {
    expect(await refusal({ method: 'kd', params: { temperature: 4 } })).toBe('Method "kd" needs a teacher');
  });

  it('what the loop cannot run: a labelled fraction outside (0, 1], a TTA shift, an EMA decay or an R-Drop alpha out of range', async () => {
    expect(await refusal({ labelledFraction: 0 })).toBe('Labelled fraction must be in (0, 1] (got 0)');
    expect(await refusal({ ttaShift: 7 })).toMatch(/^TTA shift must be 0 \(off\), 1, 2 or 3 pixels \(got 7\)/);
    expect(await refusal({ emaDecay: 1 })).toMatch(/^EMA decay must be 0 \(off\) or in \(0, 1\)/);
    expect(await refusal({ rdropAlpha: -1 })).toBe('R-Drop alpha must be at least 0 (got -1)');
    expect(await refusal({ method: 'nope' })).toMatch(/^Unknown method "nope"/);
  });
});
