// The headless CLI: its refusals and --help through its entry in this process (exit code, stdout,
// stderr), and one short run as a user runs it: a child process, its exit code, stderr and --json result.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliInProcess } from './cliKit';

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

const BAD_FLAGS: [string, string[], RegExp][] = [
  ['temperature 0', ['--temperature', '0'], /Temperature T must be greater than 0/],
  ['negative kd_ratio', ['--kd-ratio', '-1'], /kd_ratio must be at least 0/],
  ['learning rate 0', ['--lr', '0'], /Learning rate must be greater than 0/],
  ['batch size 0', ['--batch-size', '0'], /Batch size must be a whole number of at least 1/],
  ['epochs 0', ['--epochs', '0'], /Epochs must be a whole number of at least 1/],
  ['an unknown flag', ['--frobnicate'], /Unknown flag "--frobnicate"/],
  ['an unknown method', ['--method', 'telepathy'], /unknown method "telepathy"/],
  ['--param on a method without it', ['--method', 'none', '--param', 'temperature=3'], /method "none" has no such parameter/],
  // Only known once the dataset is loaded (run.ts), still one line.
  ['a batch larger than the training set', ['--dataset', 'digits', '--method', 'none', '--batch-size', '100000', '--backend', 'cpu'], /Batch size 100000 is larger than the training set \(\d+ samples\)/],
];

describe('CLI refusals', () => {
  it.each(BAD_FLAGS)('%s: exit non-zero with exactly one line on stderr naming the problem', async (what, args, message) => {
    const outcome = await cliInProcess(args);
    expect(outcome.code, what).not.toBe(0);
    expect(lines(outcome.stderr), what).toHaveLength(1);
    expect(outcome.stderr, what).toMatch(message);
    expect(outcome.stdout, what).toBe('');
  });

  it('--help prints the usage and exits 0', async () => {
    const outcome = await cliInProcess(['--help']);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/Usage: npm run train/);
    expect(outcome.stdout).toMatch(/--kd-ratio/);
  });
});

describe('a short real run', () => {
  it('trains an MLP on 256 digits for one epoch and writes the §4.3 result JSON', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'distillation-lab-cli-'));
    try {
      const json = path.join(dir, 'result.json');
      const args = ['--dataset', 'digits', '--method', 'none', '--student', 'mlp', '--epochs', '1', '--train-limit', '256', '--test-limit', '128'];
      const outcome = await cli([...args, '--json', json, '--quiet', '--seed', '3']);
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(outcome.stderr).not.toMatch(/error/i);
      const result = JSON.parse(await readFile(json, 'utf8'));
      for (const field of ['config', 'testAccuracy', 'testMpa', 'valAccuracy', 'valMpa', 'perClassAccuracy', 'confusion', 'history', 'samplesPerSecond', 'seconds', 'backend']) {
        expect(result, field).toHaveProperty(field);
      }
      expect(result.config).toMatchObject({ dataset: 'digits', method: 'none', student: 'mlp', epochs: 1, trainLimit: 256, testLimit: 128, seed: 3 });
      // wasm is the CLI's default backend (--backend cpu for tfjs' cpu kernels).
      expect(result.backend).toBe('wasm');
      expect(result.status).toBe('done');
      for (const key of ['testAccuracy', 'testMpa', 'valAccuracy', 'valMpa']) {
        expect(result[key], key).toBeGreaterThanOrEqual(0);
        expect(result[key], key).toBeLessThanOrEqual(1);
      }
      // 10 classes; the confusion matrix counts exactly the 128 test samples.
      expect(result.perClassAccuracy).toHaveLength(10);
      expect(result.confusion).toHaveLength(10);
      expect(result.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(128);
      const correct = result.confusion.reduce((sum: number, row: number[], i: number) => sum + row[i], 0);
      expect(result.testAccuracy).toBeCloseTo(correct / 128, 10);
      // One epoch of 256 samples at the default batch size 64: 4 steps, one epoch-end history entry.
      expect(result.history).toHaveLength(1);
      const entry = result.history[0];
      for (const field of ['epoch', 'step', 'ce', 'kd', 'total', 'trainAccuracy', 'testAccuracy']) expect(entry, field).toHaveProperty(field);
      expect(entry).toMatchObject({ epoch: 1, step: 4, kd: 0 });
      expect(entry.total).toBeCloseTo(entry.ce, 6);
      expect(result.samplesPerSecond).toBeGreaterThan(0);
      expect(result.seconds).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
