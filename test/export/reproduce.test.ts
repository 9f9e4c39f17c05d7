// The proof that an export reproduces its run: the CLI trains a small Digits run and exports it;
// python train.py, from the same initial weights, gives the same first-step losses (CE and each
// term, <= 1e-4) and a test accuracy within one percentage point (Digits' test split: 359 images,
// 0.28 points each); the README's torchrun line with two gloo processes finishes and only rank 0
// writes results.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/cliKit';
import { reportMissingTorch, TORCH_PYTHON } from './python';

interface FirstStep {
  ce: number;
  kd: number;
  total: number;
  terms: Record<string, number>;
}

function python(args: string[], cwd: string): Promise<{ code: number; output: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(TORCH_PYTHON!, args, { cwd, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => ((output += chunk), (stdout += chunk)));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('close', (code) => resolve({ code: code ?? -1, output, stdout }));
  });
}

reportMissingTorch('the exported run in PyTorch (python train.py, torchrun)');
describe.skipIf(!TORCH_PYTHON)('an exported Digits run in PyTorch (needs torch)', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'lab-export-'));
  const exported = path.join(folder, 'export');
  let lab: { testAccuracy: number; terms: unknown[] };
  let labFirst: FirstStep;

  beforeAll(async () => {
    // A recipe (kd by ratio + AT on two layer pairs, additive) on half-labelled data: CE weight 0.1,
    // two terms, layer taps and the label-free mask all reach the first step.
    const run = await cli([
      '--dataset', 'digits', '--recipe', 'kd:0.9,at:1000', '--labelled-fraction', '0.5', '--train-limit', '320', '--epochs', '3',
      '--batch-size', '32', '--eval-every', '10', '--backend', 'wasm', '--quiet', '--json', path.join(folder, 'lab.json'), '--export-pytorch', exported,
    ]);
    expect(run.code, run.stderr).toBe(0);
    lab = JSON.parse(readFileSync(path.join(folder, 'lab.json'), 'utf8'));
    labFirst = JSON.parse(readFileSync(path.join(exported, 'lab-result.json'), 'utf8')).firstStep;
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('python train.py: the same first-step losses and test accuracy', async () => {
    const run = await python(['train.py', '--out', 'single', '--threads', '1'], exported);
    expect(run.code, run.output).toBe(0);
    const result = JSON.parse(readFileSync(path.join(exported, 'single', 'results.json'), 'utf8'));
    const first = result.firstStep as FirstStep;
    expect(Object.keys(first.terms).sort()).toEqual(['at', 'kd']);
    for (const name of ['ce', 'total'] as const) expect(Math.abs(first[name] - labFirst[name]), `${name}: ${first[name]} vs the lab's ${labFirst[name]}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(labFirst[name])));
    for (const name of ['kd', 'at']) {
      expect(labFirst.terms[name], `the lab's ${name}`).toBeGreaterThan(0);
      expect(Math.abs(first.terms[name] - labFirst.terms[name]), `${name}: ${first.terms[name]} vs the lab's ${labFirst.terms[name]}`).toBeLessThanOrEqual(1e-4 * Math.max(1, labFirst.terms[name]));
    }
    expect(result.steps).toBe(30);
    expect(result.testAccuracy).toBeGreaterThan(0.5);
    expect(Math.abs(result.testAccuracy - lab.testAccuracy), `test accuracy ${result.testAccuracy} vs the lab's ${lab.testAccuracy}`).toBeLessThanOrEqual(0.01);
    expect(run.stdout).toMatch(/the lab's run: test accuracy/);
  });

  it('the README\'s torchrun line, with 2 processes (gloo): finishes, and rank 0 alone logs and writes', async () => {
    // The line as written (it carries --redirects 1 --tee 1, without which Debian's torch 1.13 on
    // Python 3.11 fails in its launcher), run by this Python (torchrun is its torch.distributed.run),
    // with 2 processes instead of 4 and a short run's flags after train.py.
    const readme = readFileSync(path.join(exported, 'README.md'), 'utf8');
    const line = readme.split('\n').find((candidate) => candidate.startsWith('torchrun '))!;
    const words = line.split('#')[0].trim().split(/\s+/);
    expect(words).toEqual(['torchrun', '--nproc_per_node=4', '--redirects', '1', '--tee', '1', 'train.py']);
    const args = words.slice(1).map((word) => (word === '--nproc_per_node=4' ? '--nproc_per_node=2' : word));
    const run = await python(['-m', 'torch.distributed.run', ...args, '--epochs', '1', '--out', 'ddp', '--threads', '1'], exported);
    expect(run.code, run.output).toBe(0);
    const lines = run.stdout.split('\n').filter((line) => /^\[default\d\]:\S/.test(line));
    expect(lines.some((line) => line.startsWith('[default0]:done: test accuracy'))).toBe(true);
    expect(lines.filter((line) => !line.startsWith('[default0]:')), 'lines printed by rank 1').toEqual([]);
    expect(readdirSync(path.join(exported, 'ddp')).sort()).toEqual(['results.json', 'student.pt']);
    const result = JSON.parse(readFileSync(path.join(exported, 'ddp', 'results.json'), 'utf8'));
    expect(result.worldSize).toBe(2);
    expect(result.steps).toBe(10);
  });
});
