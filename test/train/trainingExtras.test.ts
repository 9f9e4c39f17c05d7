// The training extras of the loop: the weight EMA (hand-computed average of the weight
// trajectory, evaluations on the average, training undisturbed), R-Drop (symmetric KL against a
// hand computation, the step against a hand-built pair of dropout passes, rate 0 = the plain
// step, its chart term), test-time augmentation in the result, validation, tensor ownership and
// seeded determinism with all three on.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getArchitecture } from '../../src/models/architectures';
import { installFastCpuKernels } from '../../src/backends/cpuKernels';
import { validateConfig, type DistillTerm, type ExperimentConfig } from '../../src/train/config';
import { WeightEma } from '../../src/train/ema';
import { predictWithTta } from '../../src/train/evaluate';
import { evaluatePredictions } from '../../src/train/metrics';
import { createRDrop, RDROP_DROPOUT_RATE, symmetricKl } from '../../src/train/rdrop';
import { runExperiment, type RunOptions } from '../../src/train/runExperiment';
import type { RunData, StepPoint } from '../../src/train/runTypes';
import { disposeStepMetrics, trainStep } from '../../src/train/trainStep';
import { CLASSES, config, disposeData, SHAPE, stepContext, syntheticData, weightValues } from './fixtures';

let data: RunData;

beforeAll(() => {
  installFastCpuKernels();
  data = syntheticData(192, 32);
});

afterAll(() => disposeData(data));

function build(id: string, seed: number): tfl.LayersModel {
  return getArchitecture(id).build(SHAPE, CLASSES, seed);
}

async function run(options: Omit<RunOptions, 'data'> & { data?: RunData }) {
  const steps: StepPoint[] = [];
  const result = await runExperiment({
    ...options,
    data: options.data ?? data,
    hooks: { ...options.hooks, onSteps: (points) => {
      steps.push(...points);
      options.hooks?.onSteps?.(points);
    } },
  });
  return { steps, result };
}

function maxAbsDifference(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  let max = 0;
  a.forEach((values, i) => {
    for (let j = 0; j < values.length; j++) max = Math.max(max, Math.abs(values[j] - b[i][j]));
  });
  return max;
}

/** ema_0 = w_0; ema_t = d ema_(t-1) + (1 - d) w_t, in float64. */
function emaByHand(trajectory: Float32Array[][], decay: number): number[][] {
  let average = trajectory[0].map((w) => Array.from(w));
  for (const weights of trajectory.slice(1)) {
    average = average.map((values, i) => values.map((value, j) => decay * value + (1 - decay) * weights[i][j]));
  }
  return average;
}

describe('configuration', () => {
  const problems = (overrides: Partial<ExperimentConfig>) => validateConfig(config(overrides)).map((p) => `${p.field}: ${p.message}`);

  it('accepts off (0 or absent) and the documented ranges', () => {
    expect(problems({})).toEqual([]);
    expect(problems({ ttaShift: 0, emaDecay: 0, rdropAlpha: 0 })).toEqual([]);
    expect(problems({ ttaShift: 3, emaDecay: 0.999, rdropAlpha: 5 })).toEqual([]);
  });

  it.each([
    [{ ttaShift: 4 }, /^ttaShift: TTA shift must be 0 \(off\), 1, 2 or 3 pixels \(got 4\)/],
    [{ ttaShift: 1.5 }, /^ttaShift: TTA shift must be/],
    [{ emaDecay: 1 }, /^emaDecay: EMA decay must be 0 \(off\) or in \(0, 1\)/],
    [{ emaDecay: -0.5 }, /^emaDecay: EMA decay must be/],
    [{ emaDecay: Number.NaN }, /^emaDecay: EMA decay must be a number/],
    [{ rdropAlpha: -1 }, /^rdropAlpha: R-Drop alpha must be at least 0 \(got -1\)/],
    [{ rdropAlpha: 1, method: 'dml', params: {} }, /^rdropAlpha: R-Drop cannot be combined with DML/],
  ])('refuses %j with one message', (overrides, message) => {
    const found = problems(overrides);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });
});

describe('WeightEma', () => {
  it('follows ema = d ema + (1 - d) w from the initial value and swaps the average in only for a while', async () => {
    const variable = tf.variable(tf.tensor1d([1, -2]));
    const ema = new WeightEma([variable], 0.75);
    const expected = [1, -2];
    for (const next of [[3, 0], [-1, 4], [2, 2]]) {
      variable.assign(tf.tensor1d(next));
      ema.update();
      expected.forEach((value, i) => (expected[i] = 0.75 * value + 0.25 * next[i]));
    }
    expect(Array.from(ema.values[0].dataSync())).toEqual(expected.map((v) => Math.fround(v)));
    const seen = await ema.withAverage(async () => Array.from(variable.dataSync()));
    expect(seen).toEqual(expected.map((v) => Math.fround(v)));
    expect(Array.from(variable.dataSync())).toEqual([2, 2]);
    ema.copyIntoModel();
    expect(Array.from(variable.dataSync())).toEqual(expected.map((v) => Math.fround(v)));
    ema.dispose();
    variable.dispose();
  });

  it('refuses a decay outside (0, 1)', () => {
    const variable = tf.variable(tf.scalar(1));
    expect(() => new WeightEma([variable], 1)).toThrow(/EMA decay/);
    variable.dispose();
  });
});

describe('EMA in the loop', () => {
  it('ends with the hand-computed average of the weight trajectory in the student; evaluations see the average; training is undisturbed', async () => {
    const decay = 0.6;
    const student = build('mlp', 41);
    const trajectory: Float32Array[][] = [weightValues(student)];
    // Every evaluation's forward pass: the weights it ran with against the average so far.
    const evaluated: { step: number; difference: number; fromOwn: number }[] = [];
    const predict = student.predict.bind(student);
    student.predict = ((x: tf.Tensor, args?: Parameters<typeof predict>[1]) => {
      const weights = weightValues(student);
      evaluated.push({
        step: trajectory.length - 1,
        difference: maxAbsDifference(weights, emaByHand(trajectory, decay)),
        fromOwn: maxAbsDifference(weights, trajectory[trajectory.length - 1]),
      });
      return predict(x, args);
    }) as typeof student.predict;
    const { steps, result } = await run({
      config: config({ method: 'none', params: {}, emaDecay: decay, evalEvery: 3 }),
      student,
      teacher: null,
      flushEverySteps: 1,
      hooks: { onSteps: () => trajectory.push(weightValues(student)) },
    });
    expect(result.status).toBe('done');
    expect(trajectory).toHaveLength(7); // w_0 and 6 steps

    const average = emaByHand(trajectory, decay);
    const final = weightValues(student);
    expect(maxAbsDifference(final, average)).toBeLessThan(2e-6);
    expect(maxAbsDifference(final, trajectory[6])).toBeGreaterThan(1e-3); // not simply the last weights

    // Evaluations at step 3 (evalEvery), 6 (epoch end) and the final one: all on the average.
    expect(new Set(evaluated.map((e) => e.step))).toEqual(new Set([3, 6]));
    for (const e of evaluated) expect(e.difference).toBeLessThan(2e-6);
    expect(evaluated.find((e) => e.step === 3)!.fromOwn).toBeGreaterThan(1e-3);

    // The history and the result are the averaged model's scores.
    const test = evaluatePredictions(data.test.hostLabels, await predictWithTta(student, data.test, 0, 256), CLASSES);
    expect(result.testAccuracy).toBe(test.accuracy);
    expect(result.history.at(-1)!.testAccuracy).toBe(test.accuracy);

    // The same run without EMA trains through exactly the same losses: the average never leaks into training.
    const plainStudent = build('mlp', 41);
    const plain = await run({ config: config({ method: 'none', params: {}, evalEvery: 3 }), student: plainStudent, teacher: null, flushEverySteps: 1 });
    expect(plain.steps.map((s) => s.total)).toEqual(steps.map((s) => s.total));
    expect(maxAbsDifference(weightValues(plainStudent), trajectory[6])).toBe(0);
    plainStudent.dispose();
    student.dispose();
  });
});

describe('symmetricKl', () => {
  const p = [[1, 2, 0.5], [0, -1, 3]];
  const q = [[0.3, 0.1, 2], [1, 1, 1]];
  const softmax = (row: number[]) => {
    const exps = row.map(Math.exp);
    const sum = exps.reduce((a, b) => a + b, 0);
    return exps.map((v) => v / sum);
  };
  // torch's kl_div(log_softmax(x), softmax(y)) summed over classes = KL(softmax(y) || softmax(x)).
  const kl = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * Math.log(value / b[i]), 0);

  it('is (KL(p||q) + KL(q||p)) / 2, summed over classes and averaged over the batch', () => {
    const perSample = p.map((row, i) => (kl(softmax(row), softmax(q[i])) + kl(softmax(q[i]), softmax(row))) / 2);
    const expected = perSample.reduce((a, b) => a + b, 0) / perSample.length;
    expect(expected).toBeGreaterThan(0.1);
    const value = symmetricKl(tf.tensor2d(p), tf.tensor2d(q));
    expect(value.dataSync()[0]).toBeCloseTo(expected, 6);
    const swapped = symmetricKl(tf.tensor2d(q), tf.tensor2d(p));
    expect(swapped.dataSync()[0]).toBeCloseTo(expected, 6);
    tf.dispose([value, swapped]);
  });

  it('is exactly 0 for identical passes', () => {
    const value = symmetricKl(tf.tensor2d(p), tf.tensor2d(p));
    expect(value.dataSync()[0]).toBe(0);
    value.dispose();
  });
});

describe('R-Drop step', () => {
  it('averages the CE of two dropout passes and adds alpha times their symmetric KL (hand-built passes)', () => {
    const student = build('mlp', 51);
    const alpha = 2;
    const rdrop = createRDrop(student, [], alpha, 9);
    const seeds = [101, 202];
    rdrop.nextSeed = () => seeds.shift()!;
    const batch = Int32Array.from({ length: 16 }, (_, i) => 3 * i);
    // Before the update: the embedding (the mlp's 'embedding' layer), each pass's own mask, the logits layer.
    const expected = tf.tidy(() => {
      const indices = tf.tensor1d(batch, 'int32');
      const images = data.train.images.gather(batch);
      const labels = tf.oneHot(tf.gather(data.train.labels, indices) as tf.Tensor1D, CLASSES);
      const embedding = tfl.model({ inputs: student.inputs, outputs: student.getLayer('embedding').output as tfl.SymbolicTensor }).predict(images) as tf.Tensor2D;
      const [kernel, bias] = student.getLayer('logits').getWeights();
      const pass = (seed: number) => tf.add(tf.matMul(tf.dropout(embedding, RDROP_DROPOUT_RATE, undefined, seed), kernel), bias) as tf.Tensor2D;
      const [l1, l2] = [pass(101), pass(202)];
      const ce = tf.div(tf.add(tf.losses.softmaxCrossEntropy(labels, l1), tf.losses.softmaxCrossEntropy(labels, l2)), 2);
      return { ce: ce.dataSync()[0], l1: l1.arraySync(), l2: l2.arraySync(), passesDiffer: tf.max(tf.abs(tf.sub(l1, l2))).dataSync()[0] };
    });
    expect(expected.passesDiffer).toBeGreaterThan(1e-3);
    const softmax = (row: number[]) => {
      const m = Math.max(...row);
      const exps = row.map((v) => Math.exp(v - m));
      const sum = exps.reduce((a, b) => a + b, 0);
      return exps.map((v) => v / sum);
    };
    const kl = expected.l1.reduce((sum, row, i) => {
      const [a, b] = [softmax(row), softmax(expected.l2[i])];
      return sum + a.reduce((s, v, c) => s + (v - b[c]) * (Math.log(v) - Math.log(b[c])), 0) / 2;
    }, 0) / expected.l1.length;

    const optimizer = tf.train.adam(0.01);
    const context = stepContext(student, data.train, optimizer, { methodId: 'none', rdrop });
    const metrics = trainStep(context, batch, { kdRatio: 0, terms: [] });
    expect(metrics.ce.dataSync()[0]).toBeCloseTo(expected.ce, 5);
    expect(metrics.rdrop!.dataSync()[0]).toBeCloseTo(kl, 5);
    expect(kl).toBeGreaterThan(1e-4);
    expect(metrics.total.dataSync()[0]).toBeCloseTo(expected.ce + alpha * kl, 5);
    expect(metrics.kd.dataSync()[0]).toBe(0);
    disposeStepMetrics(metrics);
    optimizer.dispose();
    student.dispose();
  });
});

describe('R-Drop in the loop', () => {
  it('alpha 0 is the plain run, with no rdrop term', async () => {
    const teacher = build('mlp', 60);
    const losses = async (overrides: Partial<ExperimentConfig>) => {
      const student = build('mlp', 61);
      const { steps } = await run({ config: config({ kdRatio: 0.5, ...overrides }), student, teacher });
      const weights = weightValues(student);
      student.dispose();
      return { steps, weights };
    };
    const plain = await losses({});
    const off = await losses({ rdropAlpha: 0 });
    expect(off.steps).toEqual(plain.steps);
    expect(off.steps.every((s) => !('rdrop' in s.terms))).toBe(true);
    expect(maxAbsDifference(off.weights, plain.weights)).toBe(0);
    teacher.dispose();
  });

  // Dropout rate 0: both passes are the plain forward, the KL is 0 and the step is the plain one,
  // with the distillation terms reading the first pass (logits, block taps, the embedding tap: pkt).
  it.each([
    ['kd', 'mlp', {}],
    ['at', 'tiny-cnn', {}],
    ['pkt', 'tiny-cnn', {}],
  ])('with dropout rate 0 it trains exactly like the plain step (%s, %s)', async (method, studentId, params) => {
    const teacher = build('teacher-cnn', 62);
    const trained = async (overrides: Partial<ExperimentConfig>, rdropRate?: number) => {
      const student = build(studentId, 63);
      const { steps, result } = await run({ config: config({ method, params, student: studentId, kdRatio: method === 'kd' ? 0.5 : 1, ...overrides }), student, teacher, rdropRate });
      const weights = weightValues(student);
      student.dispose();
      return { steps, weights, result };
    };
    const plain = await trained({});
    const same = await trained({ rdropAlpha: 3 }, 0);
    expect(same.steps).toHaveLength(6);
    same.steps.forEach((point, i) => {
      expect(point.terms.rdrop).toBe(0);
      for (const key of ['ce', 'kd', 'total'] as const) {
        expect(Math.abs(point[key] - plain.steps[i][key])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(plain.steps[i][key])));
      }
      expect(point.terms[method]).toBeGreaterThan(0);
    });
    expect(maxAbsDifference(same.weights, plain.weights)).toBeLessThan(1e-5);
    expect(same.result.history.at(-1)!.terms.rdrop).toBe(0);
    teacher.dispose();
  });

  it('reports the rdrop term on every step and in the history; total = w_ce ce + w_kd kd + alpha rdrop', async () => {
    const teacher = build('mlp', 64);
    const student = build('mlp', 65);
    const { steps, result } = await run({ config: config({ kdRatio: 0.3, rdropAlpha: 2, evalEvery: 3 }), student, teacher });
    expect(steps).toHaveLength(6);
    for (const point of steps) {
      expect(Object.keys(point.terms).sort()).toEqual(['kd', 'rdrop']);
      expect(point.terms.rdrop).toBeGreaterThan(0);
      expect(point.terms.kd).toBe(point.kd);
      expect(point.total).toBeCloseTo(0.7 * point.ce + 0.3 * point.kd + 2 * point.terms.rdrop, 5);
    }
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    expect(result.history.map((h) => h.step)).toEqual([3, 6]);
    expect(result.history[0].terms.rdrop).toBeCloseTo(mean(steps.slice(0, 3).map((s) => s.terms.rdrop)), 6);
    expect(result.history[1].terms.rdrop).toBeCloseTo(mean(steps.slice(3).map((s) => s.terms.rdrop)), 6);
    teacher.dispose();
    student.dispose();
  });

  it('keeps each recipe term and the rdrop term apart: total = 0.6 ce + 0.4 kd + 2 pkt + alpha rdrop', async () => {
    const teacher = build('teacher-cnn', 66);
    const student = build('tiny-cnn', 67);
    const terms: DistillTerm[] = [
      { method: 'kd', weight: 0.4, params: { temperature: 4 } },
      { method: 'pkt', weight: 2, params: {} },
    ];
    const { steps } = await run({ config: config({ student: 'tiny-cnn', method: 'kd', terms, rdropAlpha: 3 }), student, teacher });
    for (const point of steps) {
      expect(Object.keys(point.terms).sort()).toEqual(['kd', 'pkt', 'rdrop']);
      expect(point.terms.rdrop).toBeGreaterThan(0);
      expect(point.kd).toBeCloseTo(point.terms.kd + point.terms.pkt, 5);
      expect(point.total).toBeCloseTo(0.6 * point.ce + 0.4 * point.terms.kd + 2 * point.terms.pkt + 3 * point.terms.rdrop, 5);
    }
    teacher.dispose();
    student.dispose();
  });
});

describe('TTA in the result', () => {
  it('is null when off and the TTA evaluation of the final student when on', async () => {
    const off = build('mlp', 70);
    const { result: plain } = await run({ config: config({ method: 'none', params: {} }), student: off, teacher: null });
    expect(plain.testAccuracyTta).toBeNull();
    expect(plain.testMpaTta).toBeNull();
    off.dispose();

    const student = build('tiny-cnn', 71);
    const { result } = await run({ config: config({ method: 'none', params: {}, student: 'tiny-cnn', ttaShift: 1 }), student, teacher: null });
    const tta = evaluatePredictions(data.test.hostLabels, await predictWithTta(student, data.test, 1, 256), CLASSES);
    expect(result.testAccuracyTta).toBe(tta.accuracy);
    expect(result.testMpaTta).toBe(tta.mpa);
    expect(result.history.every((h) => !('testAccuracyTta' in h))).toBe(true);
    student.dispose();
  });
});

describe('all three on', () => {
  const extras = { ttaShift: 1, emaDecay: 0.9, rdropAlpha: 1 };

  it('numTensors is flat across 20 steps and back to its start after the run', async () => {
    const teacher = build('mlp', 80);
    const student = build('mlp', 81);
    const smallData = syntheticData(80, 16); // 80 / batch 4 = 20 steps
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    const { result } = await run({
      config: config({ batchSize: 4, evalEvery: 5, ...extras }),
      data: smallData,
      student,
      teacher,
      flushEverySteps: 1,
      hooks: { onSteps: (points) => points.forEach(() => counts.push(tf.memory().numTensors)) },
    });
    expect(result.status).toBe('done');
    expect(result.steps).toBe(20);
    expect(counts).toHaveLength(20);
    expect(new Set(counts.slice(2)).size).toBe(1);
    expect(result.testAccuracyTta).not.toBeNull();
    expect(tf.memory().numTensors).toBe(before);
    disposeData(smallData);
    teacher.dispose();
    student.dispose();
  });

  it('is deterministic for a seed (losses, R-Drop masks, final weights, TTA scores); another seed differs', async () => {
    const teacher = build('mlp', 90);
    const seeded = async (seed: number) => {
      const student = build('tiny-cnn', seed);
      const { steps, result } = await run({ config: config({ student: 'tiny-cnn', seed, epochs: 2, evalEvery: 4, ...extras }), student, teacher });
      const weights = weightValues(student);
      student.dispose();
      return { steps, result, weights };
    };
    const first = await seeded(7);
    const second = await seeded(7);
    const other = await seeded(8);
    expect(first.steps).toHaveLength(12);
    expect(second.steps).toEqual(first.steps);
    expect(maxAbsDifference(second.weights, first.weights)).toBe(0);
    expect(second.result.history).toEqual(first.result.history);
    expect(second.result.testAccuracyTta).toBe(first.result.testAccuracyTta);
    expect(second.result.testMpaTta).toBe(first.result.testMpaTta);
    expect(other.steps.map((s) => s.terms.rdrop)).not.toEqual(first.steps.map((s) => s.terms.rdrop));
    teacher.dispose();
  });
});
