// The CLI's run length and evaluation flags as a user runs them: a step budget, evaluation only
// every --eval-every steps plus once at the end, and validation / test limits that are separate.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './cliKit';

describe('--steps, --eval-every, --val-limit and --test-limit', () => {
  it('trains exactly the budget, evaluates at the interval and the end, and limits val and test separately', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'distillation-lab-cli-budget-'));
    try {
      const json = path.join(dir, 'result.json');
      // 128 samples / batch 64 = 2 steps per epoch: 5 steps is 2.5 epochs.
      const args = ['--dataset', 'digits', '--method', 'none', '--student', 'mlp', '--train-limit', '128', '--steps', '5', '--eval-every', '2'];
      const outcome = await cli([...args, '--val-limit', '40', '--test-limit', '30', '--json', json]);
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(outcome.stderr).toMatch(/128 train \/ 40 val \/ 30 test/);
      expect(outcome.stderr).toMatch(/evaluating \d+\.\d s/);
      const result = JSON.parse(await readFile(json, 'utf8'));
      expect(result.config).toMatchObject({ steps: 5, valLimit: 40, testLimit: 30 });
      expect(result.steps).toBe(5);
      expect(result.history.map((entry: { step: number }) => entry.step)).toEqual([2, 4, 5]);
      expect(result.history.map((entry: { epoch: number }) => entry.epoch)).toEqual([1, 2, 2.5]);
      expect(result.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(30);
      expect(result.evalSeconds).toBeGreaterThan(0);
      expect(result.evalSeconds).toBeLessThan(result.seconds);
      // Without --val-limit, --test-limit leaves the validation split whole (144 images).
      const whole = await cli(['--dataset', 'digits', '--method', 'none', '--student', 'mlp', '--train-limit', '128', '--steps', '1', '--test-limit', '30']);
      expect(whole.stderr).toMatch(/128 train \/ 144 val \/ 30 test/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
