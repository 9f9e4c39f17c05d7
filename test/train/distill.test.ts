// Every distillation method in the training loop: each trains on the synthetic 8x8 set with
// finite losses and its own term reported; learnable parts train while the teacher stays frozen
// and the saved student holds only its own weights; recipes, DKD's warmup, DML's and UDML's two
// students, label-free mode, and no tensor leak for a feature method.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDistillLoss, getMethod, METHODS, resolveParams, stepWeights } from '../../src/kd';
import { getArchitecture } from '../../src/models/architectures';
import { serializeModel } from '../../src/models/io';
import { buildTappedModel } from '../../src/models/taps';
import { FEATURE_CACHE_BYTES, outputCacheBytes } from '../../src/train/teacherCache';
import { installFastCpuKernels } from '../../src/backends/cpuKernels';
import { buildDistillPlan } from '../../src/train/distillPlan';
import { runExperiment, type RunOptions } from '../../src/train/runExperiment';
import { labelledSubset } from '../../src/train/trainingParts';
import { knobsAt, startTerms } from '../../src/train/liveTerms';
import type { StepPoint } from '../../src/train/runTypes';
import { scheduleNotes } from '../../src/train/schedule';
import { trainStep, disposeStepMetrics } from '../../src/train/trainStep';
import type { RunData } from '../../src/train/runTypes';
import type { DistillTerm, ExperimentConfig } from '../../src/train/config';
import { CLASSES, config, disposeData, SHAPE, stepContext, syntheticData, weightValues } from './fixtures';

let data: RunData;

beforeAll(() => {
  installFastCpuKernels();
  data = syntheticData(64, 16); // batch 16: 4 steps per epoch
});

afterAll(() => disposeData(data));

function build(id: string, seed: number): tfl.LayersModel {
  return getArchitecture(id).build(SHAPE, CLASSES, seed);
}

function cfg(overrides: Partial<ExperimentConfig>): ExperimentConfig {
  return config({ student: 'tiny-cnn', batchSize: 16, params: {}, ...overrides });
}

/** w_ce and each term's weight at `epoch` of a `totalEpochs` run, as the loop gets them (liveTerms.ts, then mixing.ts). */
function weightsAt(terms: DistillTerm[], epoch: number, totalEpochs: number): { ce: number; terms: number[] } {
  const resolved = terms.map((term) => ({ ...term, params: resolveParams(getMethod(term.method), term.params) }));
  const knobs = knobsAt(startTerms({ kdRatio: terms[0].weight, terms }, resolved, totalEpochs), epoch);
  return stepWeights(knobs.kdRatio, getMethod(terms[0].method).mixing, knobs.terms);
}

async function run(options: Omit<RunOptions, 'data'> & { data?: RunData }) {
  const steps: StepPoint[] = [];
  const result = await runExperiment({
    data,
    ...options,
    hooks: { ...options.hooks, onSteps: (points) => steps.push(...points) },
  });
  return { steps, result };
}

function expectSameWeights(a: Float32Array[], b: Float32Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((values, i) => expect(values).toEqual(b[i]));
}

const DISTILLING = METHODS.filter((m) => m.kind !== 'none' && m.kind !== 'mutual').map((m) => m.id);

describe('every method in the loop', () => {
  it('lists the thirteen teacher methods', () => {
    expect(DISTILLING).toEqual(['kd', 'dkd', 'dist', 'at', 'sp', 'nst', 'fitnet', 'mgd', 'vid', 'afd', 'rkd', 'pkt', 'irg']);
  });

  it.each(DISTILLING)('%s trains a few steps with finite losses and reports its own term', async (method) => {
    const teacher = build('teacher-cnn', 5);
    const student = build('tiny-cnn', 6);
    const teacherBefore = weightValues(teacher);
    const studentBefore = weightValues(student);
    const weight = method === 'kd' ? 0.7 : 2;
    const params: Record<string, number> = method === 'dkd' ? { warmupFraction: 0 } : {};
    const { steps, result } = await run({ config: cfg({ method, kdRatio: weight, params }), student, teacher });
    expect(result.status).toBe('done');
    expect(steps).toHaveLength(4);
    const wCe = method === 'kd' ? 0.3 : 1; // only kd mixes by ratio; the others train CE + w * term
    for (const point of steps) {
      expect(Object.keys(point.terms)).toEqual([method]);
      expect(point.terms[method]).toBe(point.kd);
      for (const value of [point.ce, point.kd, point.total]) expect(Number.isFinite(value)).toBe(true);
      expect(Math.abs(point.kd)).toBeGreaterThan(0);
      expect(point.total).toBeCloseTo(wCe * point.ce + weight * point.kd, 4);
    }
    expect(result.history.at(-1)!.terms[method]).toBeCloseTo(steps.reduce((sum, p) => sum + p.kd, 0) / 4, 5);
    expect(result.terms.map((t) => t.method)).toEqual([method]);
    expect(result.terms[0].studentLayers).toEqual(getMethod(method).layers.reads === 'logits' ? [] : expect.any(Array));
    expectSameWeights(weightValues(teacher), teacherBefore);
    expect(weightValues(student)[0]).not.toEqual(studentBefore[0]);
    teacher.dispose();
    student.dispose();
  });
});

describe('learnable parts', () => {
  it.each(['fitnet', 'mgd', 'vid', 'afd'])('%s: its connectors change after a step, the teacher does not', (method) => {
    const teacher = build('teacher-cnn', 7);
    const student = build('tiny-cnn', 8);
    const planned = cfg({ method });
    const plan = buildDistillPlan(planned, student, teacher, CLASSES);
    const optimizer = tf.train.adam(0.01);
    const context = stepContext(student, data.train, optimizer, { methodId: method, teacher, plan });
    const learnableBefore = plan.learnableVariables.map((v) => Float32Array.from(v.dataSync()));
    const teacherBefore = weightValues(teacher);
    const metrics = trainStep(context, Int32Array.from({ length: 16 }, (_, i) => i), knobsAt(startTerms(planned, plan.terms, 1), 0));
    expect(Number.isFinite(metrics.kd.dataSync()[0])).toBe(true);
    disposeStepMetrics(metrics);
    expect(plan.learnableVariables.length).toBeGreaterThan(0);
    plan.learnableVariables.forEach((variable, i) => expect(Array.from(variable.dataSync()), `${method} variable ${i}`).not.toEqual(Array.from(learnableBefore[i])));
    expectSameWeights(weightValues(teacher), teacherBefore);
    optimizer.dispose();
    plan.dispose();
    teacher.dispose();
    student.dispose();
  });

  it('the saved student holds exactly the student architecture’s weights, no regressor or generator', async () => {
    const teacher = build('teacher-cnn', 9);
    const student = build('tiny-cnn', 10);
    const fresh = build('tiny-cnn', 10);
    const { result } = await run({ config: cfg({ method: 'mgd', kdRatio: 1 }), student, teacher });
    expect(result.status).toBe('done');
    const files = await serializeModel(student);
    const manifest = (files.modelJson.weightsManifest as { weights: { name: string; shape: number[] }[] }[])[0].weights;
    const expected = fresh.weights.map((w) => ({ name: w.originalName, shape: w.shape }));
    expect(manifest.map((w) => ({ name: w.name, shape: w.shape }))).toEqual(expected);
    expect(files.weights.byteLength).toBe(fresh.countParams() * 4);
    expect(result.studentParameters).toBe(fresh.countParams());
    // The bytes are the trained student's weights, in order.
    const saved = new Float32Array(files.weights.buffer, files.weights.byteOffset, files.weights.byteLength / 4);
    expect(Array.from(saved)).toEqual(weightValues(student).flatMap((w) => Array.from(w)));
    teacher.dispose();
    student.dispose();
    fresh.dispose();
  });
});

describe('recipes', () => {
  it('report every term separately; kd is their unweighted sum and total weights each (w_ce from the first, ratio-mixed, term)', async () => {
    const teacher = build('teacher-cnn', 11);
    const student = build('tiny-cnn', 12);
    const terms: DistillTerm[] = [
      { method: 'kd', weight: 0.9, params: { temperature: 2 } },
      { method: 'at', weight: 1000, params: {} },
      { method: 'rkd', weight: 1, params: {} },
    ];
    const { steps, result } = await run({ config: cfg({ method: 'kd', terms }), student, teacher });
    expect(result.status).toBe('done');
    expect(steps).toHaveLength(4);
    for (const point of steps) {
      expect(Object.keys(point.terms)).toEqual(['kd', 'at', 'rkd']);
      for (const value of Object.values(point.terms)) expect(value).toBeGreaterThan(0);
      expect(point.kd).toBeCloseTo(point.terms.kd + point.terms.at + point.terms.rkd, 5);
      expect(point.total).toBeCloseTo(0.1 * point.ce + 0.9 * point.terms.kd + 1000 * point.terms.at + point.terms.rkd, 4);
    }
    expect(Object.keys(result.history[0].terms)).toEqual(['kd', 'at', 'rkd']);
    expect(result.terms.map((t) => [t.method, t.weight, t.studentLayers, t.teacherLayers])).toEqual([
      ['kd', 0.9, [], []],
      ['at', 1000, ['block1', 'block2'], ['block1', 'block2']],
      ['rkd', 1, ['embedding'], ['embedding']],
    ]);
    expect(result.terms[0].params).toEqual({ temperature: 2 });
    teacher.dispose();
    student.dispose();
  });

  it('w_ce = 1 when the first term is additive', () => {
    const mix = weightsAt(
      [
        { method: 'at', weight: 1000, params: {} },
        { method: 'kd', weight: 0.9, params: { temperature: 4 } },
      ],
      0,
      1,
    );
    expect(mix.ce).toBe(1);
    expect(mix.terms).toEqual([1000, 0.9]);
  });
});

describe('DKD warm-up (applied by the loop)', () => {
  it('scales the dkd term by min(epoch / warm-up epochs, 1), epoch = epochs completed before the step', async () => {
    const teacher = build('teacher-cnn', 13);
    const student = build('tiny-cnn', 14);
    // warm-up 2/3 of a 3-epoch run = 2 epochs, 4 steps per epoch: factors 0, 1/8, ... 7/8, then 1.
    const { steps } = await run({ config: cfg({ method: 'dkd', kdRatio: 1, params: { warmupFraction: 2 / 3 }, epochs: 3 }), student, teacher });
    expect(steps).toHaveLength(12);
    steps.forEach((point, i) => {
      const factor = Math.min(i / 4 / 2, 1);
      expect(point.kd).toBeGreaterThan(0);
      expect(point.total, `step ${i + 1}`).toBeCloseTo(point.ce + factor * point.kd, 5);
    });
    expect(steps[0].total).toBeCloseTo(steps[0].ce, 6); // epoch 0: the term is off
    expect(weightsAt([{ method: 'dkd', weight: 1, params: { warmupFraction: 0, warmupEpochs: 20 } }], 0.5, 3).terms[0]).toBeCloseTo(0.025, 12);
    expect(weightsAt([{ method: 'dkd', weight: 1, params: { warmupFraction: 0, warmupEpochs: 0 } }], 0, 3).terms[0]).toBe(1);
    teacher.dispose();
    student.dispose();
  });

  it('reaches full weight at the same share of any run as mdistiller (20 of 240 epochs)', () => {
    const dkd = (epoch: number, totalEpochs: number) => weightsAt([{ method: 'dkd', weight: 2, params: {} }], epoch, totalEpochs).terms[0] / 2;
    for (const totalEpochs of [3, 10, 240, 1000]) {
      // Half-way through the ramp at 10/240 of the run, full weight from 20/240 on, whatever the length.
      expect(dkd((10 / 240) * totalEpochs, totalEpochs), `${totalEpochs} epochs`).toBeCloseTo(0.5, 12);
      expect(dkd((20 / 240) * totalEpochs, totalEpochs), `${totalEpochs} epochs`).toBeCloseTo(1, 12);
      expect(dkd((5 / 240) * totalEpochs, totalEpochs), `${totalEpochs} epochs`).toBeCloseTo(0.25, 12);
    }
    // The paper's own schedule is the special case of 240 epochs: epoch 10 of 240 is half-way.
    expect(dkd(10, 240)).toBeCloseTo(0.5, 12);
    // A fixed length in epochs keeps the old meaning: 20 epochs whatever the run (15 % of a 3-epoch run's end).
    const fixed = { warmupEpochs: 20 };
    expect(weightsAt([{ method: 'dkd', weight: 1, params: fixed }], 3, 3).terms[0]).toBeCloseTo(0.15, 12);
    expect(weightsAt([{ method: 'dkd', weight: 1, params: fixed }], 3, 1000).terms[0]).toBeCloseTo(0.15, 12);
  });

  it('says what share of the run the warm-up and the EMA horizon cover', () => {
    // 20 steps per epoch, 3 epochs: the warm-up is 20/240 of 60 steps = 5 steps.
    const dkd: ExperimentConfig = cfg({ method: 'dkd', kdRatio: 1, params: {}, epochs: 3 });
    expect(scheduleNotes(dkd, 20)).toEqual(['dkd warm-up: 5 steps, 8.3 % of the run\'s 60 steps']);
    // A fixed 20 epochs outlasts a 3-epoch run: 667 % of it.
    expect(scheduleNotes({ ...dkd, params: { warmupEpochs: 20 } }, 20)).toEqual(['dkd warm-up: 400 steps, 666.7 % of the run\'s 60 steps']);
    expect(scheduleNotes({ ...dkd, steps: 600, emaDecay: 0.999 }, 20)).toEqual([
      'dkd warm-up: 50 steps, 8.3 % of the run\'s 600 steps',
      'EMA decay 0.999 averages over about 1,000 steps, 166.7 % of the run\'s 600 steps',
    ]);
    expect(scheduleNotes(cfg({ method: 'kd', params: { temperature: 4 } }), 20)).toEqual([]);
  });

  it('ramps over the same share with a step budget (steps instead of epochs)', async () => {
    const teacher = build('teacher-cnn', 13);
    const student = build('tiny-cnn', 14);
    // 6 steps at 4 steps per epoch = 1.5 epochs; warm-up 0.5 of the run = 0.75 epoch = 3 steps.
    const { steps, result } = await run({ config: cfg({ method: 'dkd', kdRatio: 1, params: { warmupFraction: 0.5 }, epochs: 3, steps: 6 }), student, teacher });
    expect(result.steps).toBe(6);
    expect(steps).toHaveLength(6);
    steps.forEach((point, i) => {
      const factor = Math.min(i / 4 / 0.75, 1);
      expect(point.total, `step ${i + 1}`).toBeCloseTo(point.ce + factor * point.kd, 5);
    });
    teacher.dispose();
    student.dispose();
  });
});

describe('DML', () => {
  it('trains two students of different architectures without a teacher and reports both', async () => {
    const student = build('mlp', 15);
    const peer = build('tiny-cnn', 16);
    const studentBefore = weightValues(student);
    const peerBefore = weightValues(peer);
    const { steps, result } = await run({
      config: cfg({ method: 'dml', student: 'mlp', peerStudent: 'tiny-cnn', kdRatio: 1, params: { temperature: 2 }, epochs: 2 }),
      student,
      teacher: null,
      peer,
    });
    expect(result.status).toBe('done');
    expect(steps).toHaveLength(8);
    for (const point of steps) {
      expect(point.terms).toEqual({ dml: point.kd });
      expect(point.peer).toBeDefined();
      expect(point.kd).toBeGreaterThan(0);
      expect(point.peer!.kd).toBeGreaterThan(0);
      expect(point.total).toBeCloseTo(point.ce + point.kd, 5);
      expect(point.peer!.total).toBeCloseTo(point.peer!.ce + point.peer!.kd, 5);
      expect(point.peer!.ce).not.toBeCloseTo(point.ce, 4);
    }
    expect(weightValues(student)[0]).not.toEqual(studentBefore[0]);
    expect(weightValues(peer)[0]).not.toEqual(peerBefore[0]);
    expect(result.peer).toMatchObject({ student: 'tiny-cnn', parameters: peer.countParams() });
    expect(result.peer!.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(result.peer!.testAccuracy).toBeLessThanOrEqual(1);
    for (const entry of result.history) {
      expect(entry.peer).toBeDefined();
      expect(entry.peer!.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(entry.peer!.ce).toBeGreaterThan(0);
    }
    // Both students learn the (easy) task.
    expect(steps.at(-1)!.ce).toBeLessThan(steps[0].ce);
    expect(steps.at(-1)!.peer!.ce).toBeLessThan(steps[0].peer!.ce);
    student.dispose();
    peer.dispose();
  });

  it('UDML trains both students on their logits and on one block of one shape, each reporting its own term', async () => {
    const student = build('tiny-cnn', 31);
    const peer = build('tiny-cnn', 32);
    const studentBefore = weightValues(student);
    const peerBefore = weightValues(peer);
    const { steps, result } = await run({ config: cfg({ method: 'udml', kdRatio: 1, params: { wDistance: 1 }, epochs: 2 }), student, teacher: null, peer });
    expect(result.status).toBe('done');
    expect(steps).toHaveLength(8);
    expect(result.terms.map((t) => [t.method, t.studentLayers, t.teacherLayers])).toEqual([['udml', ['block2'], ['block2']]]);
    for (const point of steps) {
      expect(point.terms).toEqual({ udml: point.kd });
      expect(point.kd).toBeGreaterThan(0);
      expect(point.peer!.kd).toBeGreaterThan(0);
      for (const value of [point.ce, point.kd, point.total, point.peer!.ce, point.peer!.kd, point.peer!.total]) expect(Number.isFinite(value)).toBe(true);
      expect(point.total).toBeCloseTo(point.ce + point.kd, 5);
      expect(point.peer!.total).toBeCloseTo(point.peer!.ce + point.peer!.kd, 5);
    }
    expect(weightValues(student)[0]).not.toEqual(studentBefore[0]);
    expect(weightValues(peer)[0]).not.toEqual(peerBefore[0]);
    expect(steps.at(-1)!.ce).toBeLessThan(steps[0].ce);
    expect(steps.at(-1)!.peer!.ce).toBeLessThan(steps[0].peer!.ce);
    student.dispose();
    peer.dispose();
  });

  it('UDML with the distance weight 0 trains as DML, step for step', async () => {
    const losses = async (method: string, params: Record<string, number>) => {
      const student = build('tiny-cnn', 33);
      const peer = build('small-cnn', 34);
      const { steps } = await run({ config: cfg({ method, peerStudent: 'small-cnn', kdRatio: 1, params, epochs: 1 }), student, teacher: null, peer });
      student.dispose();
      peer.dispose();
      return steps.map((p) => [p.ce, p.kd, p.total, p.peer!.ce, p.peer!.kd, p.peer!.total]);
    };
    const dml = await losses('dml', { temperature: 2 });
    const udml = await losses('udml', { temperature: 2, wDistance: 0 });
    expect(udml).toHaveLength(4);
    udml.flat().forEach((value, i) => expect(value).toBeCloseTo(dml.flat()[i], 5));
  });

  it('builds the peer itself when none is given and leaves no tensor behind', async () => {
    const student = build('mlp', 17);
    const before = tf.memory().numTensors;
    const { result } = await run({ config: cfg({ method: 'dml', student: 'mlp', kdRatio: 1 }), student, teacher: null });
    expect(result.peer?.student).toBe('mlp');
    expect(tf.memory().numTensors).toBe(before);
    student.dispose();
  });
});

describe('label-free mode', () => {
  it('keeps a fixed seeded subset of round(fraction * count) labels, at least one', () => {
    const half = labelledSubset(64, 0.5, 1);
    expect(half.reduce((a, b) => a + b, 0)).toBe(32);
    expect(labelledSubset(64, 0.5, 1)).toEqual(half);
    expect(labelledSubset(64, 0.5, 2)).not.toEqual(half);
    expect(labelledSubset(64, 0.001, 1).reduce((a, b) => a + b, 0)).toBe(1);
    expect(labelledSubset(64, 1, 1).every((v) => v === 1)).toBe(true);
  });

  it('masks the CE of unlabelled samples: with one labelled sample, CE is 0 in every batch without it', async () => {
    const teacher = build('teacher-cnn', 19);
    const student = build('tiny-cnn', 20);
    const { steps, result } = await run({ config: cfg({ method: 'kd', kdRatio: 0.5, labelledFraction: 0.001, epochs: 2 }), student, teacher });
    expect(result.labelledCount).toBe(1);
    expect(steps).toHaveLength(8);
    for (const epoch of [0, 1]) {
      const ces = steps.filter((p) => p.epoch === epoch).map((p) => p.ce);
      expect(ces.filter((ce) => ce === 0)).toHaveLength(3); // the one labelled sample is in one batch of four
      expect(ces.filter((ce) => ce > 0)).toHaveLength(1);
    }
    for (const point of steps) {
      expect(point.kd).toBeGreaterThan(0);
      expect(point.total).toBeCloseTo(0.5 * point.ce + 0.5 * point.kd, 5);
    }
    teacher.dispose();
    student.dispose();
  });

  it('averages the CE over the labelled samples of the batch (per-sample mask)', () => {
    const student = build('mlp', 22);
    const optimizer = tf.train.adam(0.01);
    const mask = new Float32Array(64);
    [0, 3, 5, 6, 9].forEach((i) => (mask[i] = 1)); // 5 of the first batch's 16 samples keep their label
    const labelled = tf.tensor1d(mask);
    const batch = Int32Array.from({ length: 16 }, (_, i) => i);
    // The step's CE is computed before its update: the same as the model's CE now.
    const perSample = tf.tidy(() => {
      const images = data.train.images.gather(batch);
      const labels = tf.gather(data.train.labels, tf.tensor1d(batch, 'int32')) as tf.Tensor1D;
      const logits = student.predict(images) as tf.Tensor2D;
      return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, CLASSES), logits, undefined, undefined, tf.Reduction.NONE);
    });
    const values = perSample.dataSync();
    const expected = [0, 3, 5, 6, 9].reduce((sum, i) => sum + values[i], 0) / 5;
    const context = stepContext(student, data.train, optimizer, { methodId: 'none', labelled });
    const metrics = trainStep(context, batch, { kdRatio: 0, terms: [] });
    expect(metrics.ce.dataSync()[0]).toBeCloseTo(expected, 5);
    disposeStepMetrics(metrics);
    // A batch with no labelled sample: CE 0, not NaN.
    const none = trainStep(context, Int32Array.from({ length: 16 }, (_, i) => 16 + i), { kdRatio: 0, terms: [] });
    expect(none.ce.dataSync()[0]).toBe(0);
    disposeStepMetrics(none);
    tf.dispose([perSample, labelled]);
    optimizer.dispose();
    student.dispose();
  });

  it('losses that read labels (DKD) see the teacher’s class for unlabelled samples', () => {
    const teacher = build('teacher-cnn', 26);
    const student = build('tiny-cnn', 27);
    const planned = cfg({ method: 'dkd', kdRatio: 1, params: { warmupFraction: 0 } });
    const plan = buildDistillPlan(planned, student, teacher, CLASSES);
    const optimizer = tf.train.adam(0.01);
    const labelled = tf.zeros([64]) as tf.Tensor1D;
    const batch = Int32Array.from({ length: 16 }, (_, i) => i);
    const expected = tf.tidy(() => {
      const images = data.train.images.gather(batch);
      const teacherLogits = teacher.predict(images) as tf.Tensor2D;
      const studentLogits = student.predict(images) as tf.Tensor2D;
      const withTeacherClass = computeDistillLoss('dkd', { studentLogits, teacherLogits, labels: tf.cast(tf.argMax(teacherLogits, 1), 'int32') as tf.Tensor1D });
      const withTrueLabels = computeDistillLoss('dkd', { studentLogits, teacherLogits, labels: tf.gather(data.train.labels, tf.tensor1d(batch, 'int32')) as tf.Tensor1D });
      return [withTeacherClass.dataSync()[0], withTrueLabels.dataSync()[0]];
    });
    const context = stepContext(student, data.train, optimizer, { methodId: 'dkd', teacher, plan, labelled });
    const metrics = trainStep(context, batch, knobsAt(startTerms(planned, plan.terms, 1), 0));
    expect(metrics.ce.dataSync()[0]).toBe(0);
    expect(metrics.kd.dataSync()[0]).toBeCloseTo(expected[0], 4);
    expect(Math.abs(expected[0] - expected[1])).toBeGreaterThan(1e-3); // the untrained teacher disagrees with the labels
    disposeStepMetrics(metrics);
    labelled.dispose();
    optimizer.dispose();
    plan.dispose();
    teacher.dispose();
    student.dispose();
  });
});

describe('the teacher feature cache', () => {
  it('gives the same per-step losses as the live teacher for feature and relation terms', async () => {
    const teacher = build('teacher-cnn', 28);
    const terms: DistillTerm[] = [
      { method: 'at', weight: 1000, params: {} },
      { method: 'pkt', weight: 30000, params: {} },
      { method: 'kd', weight: 0.5, params: {} },
    ];
    const losses = async (cacheTeacher: boolean) => {
      const student = build('tiny-cnn', 29);
      const { steps, result } = await run({ config: cfg({ method: 'at', terms, epochs: 2 }), student, teacher, cacheTeacher });
      student.dispose();
      expect(result.teacherCached).toBe(cacheTeacher);
      return steps;
    };
    const cached = await losses(true);
    const live = await losses(false);
    expect(cached).toHaveLength(8);
    cached.forEach((point, i) => {
      for (const key of ['at', 'pkt', 'kd'] as const) {
        expect(Math.abs(point.terms[key] - live[i].terms[key])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(live[i].terms[key])));
      }
      expect(Math.abs(point.total - live[i].total)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(live[i].total)));
    });
    teacher.dispose();
  });

  it('counts its bytes from the tapped outputs (Digits fits in the budget, MNIST does not)', () => {
    const digitsTeacher = build('teacher-cnn', 30);
    const digits = buildTappedModel(digitsTeacher, ['block1', 'block2']);
    expect(outputCacheBytes(digits.model, 100)).toBe(100 * 4 * (8 * 8 * 32 + 8 * 8 * 64 + CLASSES));
    expect(outputCacheBytes(digits.model, 1437)).toBeLessThan(FEATURE_CACHE_BYTES);
    const mnistTeacher = getArchitecture('teacher-cnn').build([28, 28, 1], 10, 1);
    const mnist = buildTappedModel(mnistTeacher, ['block1', 'block2']);
    expect(outputCacheBytes(mnist.model, 60000)).toBeGreaterThan(FEATURE_CACHE_BYTES);
    digitsTeacher.dispose();
    mnistTeacher.dispose();
  });
});

describe('tensor ownership with a feature method', () => {
  it.each([
    ['fitnet (learnable regressor), adam', { method: 'fitnet', kdRatio: 100 }],
    ['afd (learned queries, keys and positions), adam', { method: 'afd', kdRatio: 50 }],
    ['udml (a peer built by the run, both students tapped), sgd, weight decay', { method: 'udml', kdRatio: 1, optimizer: 'sgd' as const, weightDecay: 1e-4 }],
    ['at + kd recipe, sgd, weight decay, augmentation', { method: 'kd', optimizer: 'sgd' as const, weightDecay: 1e-4, augment: true, terms: [{ method: 'kd', weight: 0.5, params: {} }, { method: 'at', weight: 1000, params: {} }] }],
  ])('numTensors is flat across steps and back to its start after the run (%s)', async (_, overrides) => {
    const teacher = build('teacher-cnn', 24);
    const student = build('tiny-cnn', 25);
    const small = syntheticData(64, 8); // batch 4: 16 steps
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    const result = await runExperiment({
      config: cfg({ batchSize: 4, evalEvery: 6, ...overrides }),
      data: small,
      student,
      teacher,
      flushEverySteps: 1,
      hooks: { onSteps: (points) => points.forEach(() => counts.push(tf.memory().numTensors)) },
    });
    expect(result.status).toBe('done');
    expect(counts).toHaveLength(16);
    expect(new Set(counts.slice(3)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    disposeData(small);
    teacher.dispose();
    student.dispose();
  });
});
