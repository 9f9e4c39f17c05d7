// --backend wasm (the default) trains the same KD run as --backend cpu: the same test predictions
// (the sums differ only in float rounding), per-step losses to 1e-4; a wrong name is one line.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, refusal } from './cliKit';

describe('--backend', () => {
  it('wasm trains a tiny-cnn KD run like cpu: same test accuracy, losses to 1e-4', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'distillation-lab-cli-backend-'));
    try {
      const args = ['--dataset', 'digits', '--method', 'kd', '--temperature', '20', '--kd-ratio', '1', '--student', 'tiny-cnn', '--train-limit', '128', '--epochs', '3', '--eval-every', '2'];
      const results: Record<string, { backend: string; testAccuracy: number; history: { total: number }[] }> = {};
      for (const backend of ['cpu', 'wasm']) {
        const json = path.join(dir, `${backend}.json`);
        const outcome = await cli([...args, '--backend', backend, '--quiet', '--json', json]);
        expect(outcome.code, outcome.stderr).toBe(0);
        results[backend] = JSON.parse(await readFile(json, 'utf8'));
      }
      expect(results.cpu.backend).toBe('cpu');
      expect(results.wasm.backend).toBe('wasm');
      expect(results.wasm.testAccuracy).toBe(results.cpu.testAccuracy);
      expect(results.wasm.history).toHaveLength(results.cpu.history.length);
      results.wasm.history.forEach((entry, i) => expect(Math.abs(entry.total - results.cpu.history[i].total)).toBeLessThan(1e-4));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('refuses a backend it does not have, by name', () => {
    expect(refusal(['--backend', 'webgpu'])).toMatch(/--backend must be cpu or wasm, got "webgpu"/);
  });

  it('--threads: wasm on 1 and on 2 threads trains the same run, bit for bit; 0, 9 and cpu are refused', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'distillation-lab-cli-threads-'));
    try {
      const args = ['--dataset', 'digits', '--method', 'kd', '--student', 'tiny-cnn', '--train-limit', '128', '--epochs', '2', '--eval-every', '2', '--quiet'];
      const runs: { testAccuracy: number; history: unknown[] }[] = [];
      for (const threads of ['1', '2']) {
        const json = path.join(dir, `${threads}.json`);
        const outcome = await cli([...args, '--threads', threads, '--json', json]);
        expect(outcome.code, outcome.stderr).toBe(0);
        runs.push(JSON.parse(await readFile(json, 'utf8')));
      }
      expect(runs[1].history.length).toBeGreaterThan(1);
      expect(runs[1].history).toEqual(runs[0].history);
      expect(runs[1].testAccuracy).toBe(runs[0].testAccuracy);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(refusal(['--threads', '0'])).toMatch(/--threads must be from 1 to 8, got 0/);
    expect(refusal(['--threads', '9'])).toMatch(/--threads must be from 1 to 8, got 9/);
    expect(refusal(['--threads', '2', '--backend', 'cpu'])).toMatch(/--threads is for --backend wasm/);
  }, 240_000);
});
