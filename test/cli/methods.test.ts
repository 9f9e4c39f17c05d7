// The CLI's method flags: --method, --param [METHOD.]NAME=VALUE, --student-layers / --teacher-layers,
// --recipe, --peer-student, --labelled-fraction; one clear refusal each; and real runs that save
// only the student and refuse an unusable layer pair naming both shapes.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { cli, cliInProcess, refusal } from './cliKit';
import { getArchitecture } from '../../src/models/architectures';



describe('method flags', () => {
  it('--method with its reference weight, --param and layer lists', () => {
    const { config } = parseArgs(['--method', 'at', '--param', 'p=3', '--student-layers', 'block2,block3', '--teacher-layers', 'block1,block2', '--student', 'small-cnn']);
    expect(config).toMatchObject({ method: 'at', kdRatio: 1000, params: { p: 3 }, studentLayers: ['block2', 'block3'], teacherLayers: ['block1', 'block2'] });
    expect(config.terms).toBeUndefined();
    expect(parseArgs(['--method', 'dkd']).config.kdRatio).toBe(1);
    expect(parseArgs(['--method', 'pkt']).config.kdRatio).toBe(30000);
    // A qualified name for the single method is accepted too.
    expect(parseArgs(['--method', 'dkd', '--param', 'dkd.warmupEpochs=5']).config.params).toEqual({ warmupEpochs: 5 });
  });

  it('--recipe: weights (reference ones when omitted), qualified and shared parameters, per-term layers', () => {
    const { config } = parseArgs([
      '--recipe', 'kd:0.9,at:1000,rkd',
      '--param', 'at.p=3', '--temperature', '2',
      '--student-layers', 'at=block1,block2', '--teacher-layers', 'at=block1,block2',
    ]);
    expect(config.terms).toEqual([
      { method: 'kd', weight: 0.9, params: { temperature: 2 } },
      { method: 'at', weight: 1000, params: { p: 3 }, studentLayers: ['block1', 'block2'], teacherLayers: ['block1', 'block2'] },
      { method: 'rkd', weight: 1, params: {} },
    ]);
    expect(config).toMatchObject({ method: 'kd', kdRatio: 0.9, params: { temperature: 2 } });
    // The only layer-reading term of a recipe takes unqualified layer lists.
    expect(parseArgs(['--recipe', 'kd,nst', '--student-layers', 'block1']).config.terms![1].studentLayers).toEqual(['block1']);
  });

  it('--peer-student for dml, --labelled-fraction', () => {
    const { config } = parseArgs(['--method', 'dml', '--peer-student', 'small-cnn', '--labelled-fraction', '0.25']);
    expect(config).toMatchObject({ method: 'dml', peerStudent: 'small-cnn', labelledFraction: 0.25, kdRatio: 1 });
  });

  it.each([
    [['--recipe', 'kd:0.9,magic:2'], /--recipe: unknown method "magic"/],
    [['--recipe', 'kd:lots'], /--recipe kd expects a number, got "lots"/],
    [['--recipe', 'kd:0.9:1'], /--recipe expects METHOD\[:WEIGHT\]/],
    [['--recipe', 'kd,dml'], /DML \(mutual learning\) cannot be part of a recipe/],
    [['--recipe', 'kd,none'], /cannot be part of a recipe/],
    [['--recipe', 'at,at:10'], /names "at" twice/],
    [['--recipe', 'kd,at:-5'], /weight of at must be a number of at least 0/],
    [['--recipe', 'kd,at', '--method', 'kd'], /--method cannot be combined with --recipe/],
    [['--recipe', 'kd,at', '--kd-ratio', '0.5'], /--kd-ratio cannot be combined with --recipe/],
    [['--recipe', 'kd,at', '--param', 'sp.p=2'], /--param sp.p: the recipe has no term "sp"/],
    [['--recipe', 'kd,at', '--param', 'wAngle=2'], /--param wAngle: no method of the recipe has such a parameter/],
    [['--recipe', 'kd,at', '--param', 'at.p=0'], /at: Exponent p must be at least 1/],
    [['--recipe', 'at,sp', '--student-layers', 'block1'], /--student-layers: name the term it is for/],
    [['--recipe', 'kd,at', '--student-layers', 'kd=block1'], /method "kd" reads only the logits/],
    [['--method', 'kd', '--param', 'at.p=2'], /--param at.p: the method is "kd" \(use --recipe/],
    [['--method', 'kd', '--student-layers', 'block1'], /--student-layers: method "kd" reads only the logits and takes no layers/],
    [['--method', 'at', '--student-layers', 'block1,,block2'], /--student-layers expects layer names separated by commas/],
    [['--method', 'kd', '--peer-student', 'mlp'], /--peer-student is for --method dml only/],
    [['--method', 'dml', '--peer-student', 'resnet'], /--peer-student: unknown architecture "resnet"/],
    [['--labelled-fraction', '1.5'], /Labelled fraction must be in \(0, 1\] \(got 1.5\)/],
    [['--labelled-fraction', 'half'], /--labelled-fraction expects a number/],
  ])('refuses %j with one line', (argv, message) => {
    const text = refusal(argv);
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  });
});



const QUICK = ['--dataset', 'digits', '--epochs', '1', '--train-limit', '128', '--test-limit', '64', '--quiet'];

describe('real CLI runs', () => {
  it('fitnet --save writes the plain student (no regressor) and the JSON reports the term and its layers', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'distillation-lab-methods-'));
    try {
      const json = path.join(dir, 'result.json');
      const save = path.join(dir, 'student');
      const outcome = await cli([...QUICK, '--method', 'fitnet', '--student', 'tiny-cnn', '--save', save, '--json', json]);
      expect(outcome.code, outcome.stderr).toBe(0);
      const result = JSON.parse(await readFile(json, 'utf8'));
      expect(result.terms).toEqual([{ method: 'fitnet', weight: 100, params: {}, studentLayers: ['block2'], teacherLayers: ['block2'] }]);
      expect(Object.keys(result.history[0].terms)).toEqual(['fitnet']);
      const modelJson = JSON.parse(await readFile(path.join(save, 'model.json'), 'utf8'));
      const saved = modelJson.weightsManifest[0].weights.map((w: { name: string; shape: number[] }) => `${w.name}:${w.shape.join('x')}`);
      const reference = getArchitecture('tiny-cnn').build([8, 8, 1], 10, 1);
      expect(saved).toEqual(reference.weights.map((w) => `${w.originalName}:${w.shape.join('x')}`));
      const bytes = await readFile(path.join(save, 'weights.bin'));
      expect(bytes.byteLength).toBe(reference.countParams() * 4);
      reference.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('an unusable layer pair exits non-zero with one line naming both layers and shapes', async () => {
    const outcome = await cliInProcess([...QUICK, '--method', 'mgd', '--student', 'small-cnn', '--student-layers', 'block3', '--backend', 'cpu']);
    expect(outcome.code).not.toBe(0);
    const lines = outcome.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: MGD .* cannot use student block3 \[4,4,64\] with teacher block2 \[8,8,64\]/);
  }, 240_000);
});
