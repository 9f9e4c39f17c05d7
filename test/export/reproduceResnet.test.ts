// teacher-resnet through the whole export, both ways the lab uses it: its own training run
// (`--student teacher-resnet --method none`, as "Train a teacher" runs it) and a student distilled
// from it with AT on three block pairs (the saved run as `--teacher DIR`). python train.py, from
// the lab's initial weights and with the residual teacher converted from tfjs, gives the lab's
// first-step losses (<= 1e-4): the module it writes is the network the lab trained.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/cliKit';
import { reportMissingTorch, TORCH_PYTHON } from './python';

interface FirstStep {
  ce: number;
  total: number;
  terms: Record<string, number>;
}

function python(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(TORCH_PYTHON!, args, { cwd, env: { ...process.env, OMP_NUM_THREADS: '1' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

const close = (got: number, lab: number, what: string) =>
  expect(Math.abs(got - lab), `${what}: ${got} vs the lab's ${lab}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(lab)));

/** Runs the exported train.py for one epoch; its first step beside the lab's. */
async function firstSteps(exported: string): Promise<{ python: FirstStep; lab: FirstStep }> {
  const run = await python(['train.py', '--out', 'single', '--threads', '1', '--epochs', '1'], exported);
  expect(run.code, run.output).toBe(0);
  const result = JSON.parse(readFileSync(path.join(exported, 'single', 'results.json'), 'utf8'));
  const lab = JSON.parse(readFileSync(path.join(exported, 'lab-result.json'), 'utf8')).firstStep as FirstStep;
  return { python: result.firstStep as FirstStep, lab };
}

reportMissingTorch('teacher-resnet\'s exported runs in PyTorch');
describe.skipIf(!TORCH_PYTHON)('teacher-resnet exported to PyTorch (needs torch)', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'lab-resnet-export-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const common = ['--dataset', 'digits', '--train-limit', '160', '--epochs', '1', '--batch-size', '32', '--eval-every', '100', '--backend', 'wasm', '--quiet'];

  it('its own training run, and a student distilled from it with AT on block1..block3, give the lab\'s first-step losses', async () => {
    const teacherRun = path.join(folder, 'teacher-export');
    const saved = path.join(folder, 'teacher');
    const trained = await cli([...common, '--student', 'teacher-resnet', '--method', 'none', '--save', saved, '--export-pytorch', teacherRun]);
    expect(trained.code, trained.stderr).toBe(0);
    const own = await firstSteps(teacherRun);
    expect(own.lab.ce).toBeGreaterThan(0);
    close(own.python.ce, own.lab.ce, 'teacher-resnet\'s CE');

    const studentRun = path.join(folder, 'student-export');
    const layers = 'block1,block2,block3';
    const distilled = await cli([...common, '--student', 'small-cnn', '--teacher', saved, '--method', 'at', '--student-layers', layers, '--teacher-layers', layers, '--export-pytorch', studentRun]);
    expect(distilled.code, distilled.stderr).toBe(0);
    const student = await firstSteps(studentRun);
    expect(Object.keys(student.python.terms)).toEqual(['at']);
    expect(student.lab.terms.at).toBeGreaterThan(0);
    close(student.python.terms.at, student.lab.terms.at, 'AT from teacher-resnet');
    close(student.python.total, student.lab.total, 'the total');
  });
});
