// Ctrl-C during training stops the run cleanly: the CLI still evaluates what it trained, exits 0
// and its --json says "status": "stopped" with the step it reached.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cliKit';

describe('the CLI on SIGINT', () => {
  it('stops at the next batch and writes a stopped result', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'cli-interrupt-'));
    const json = path.join(folder, 'result.json');
    try {
      const args = ['--dataset', 'digits', '--method', 'none', '--epochs', '200', '--train-limit', '256', '--test-limit', '64', '--json', json];
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT });
      let stderr = '';
      let interrupted = false;
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // The first progress line: training has begun.
        if (!interrupted && /epoch \d+\/200/.test(stderr)) {
          interrupted = true;
          child.kill('SIGINT');
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(interrupted, stderr).toBe(true);
      expect(code, stderr).toBe(0);
      const result = JSON.parse(await readFile(json, 'utf8')) as { status: string; steps: number; totalSteps: number };
      expect(result.status).toBe('stopped');
      expect(result.totalSteps).toBe(200 * Math.floor(256 / 64));
      expect(result.steps).toBeGreaterThan(0);
      expect(result.steps).toBeLessThan(result.totalSteps);
      expect(stderr).toMatch(/stopped at step \d+ of 800: test accuracy/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 240_000);
});
