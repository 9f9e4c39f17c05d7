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
});
