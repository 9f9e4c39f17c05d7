// The training loop: seeded determinism, the frozen teacher, the teacher cache, tensor
// ownership over many steps, NaN handling, pause / resume / stop and live knobs.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getArchitecture } from '../../src/models/architectures';
import { installFastCpuKernels } from '../../src/backends/cpuKernels';
import { RunControl } from '../../src/train/control';
import { runExperiment, type RunOptions } from '../../src/train/runExperiment';
import type { StepPoint } from '../../src/train/runTypes';
import { evaluateModel } from '../../src/train/evaluate';
import type { RunData } from '../../src/train/runTypes';
import { CURVE_EVAL_SAMPLES, STOPPED_SCORE_SAMPLES } from '../../src/train/config';
import { disposeSplit, selectSplit, uploadSplit } from '../../src/data/device';
import { CLASSES, config, disposeData, ID_PIXEL, SHAPE, syntheticData, syntheticSet, weightValues } from './fixtures';

let data: RunData;

beforeAll(() => {
  installFastCpuKernels(); // the kernels the CLI trains with
  data = syntheticData(192, 32);
});

afterAll(() => disposeData(data));

function build(id: string, seed: number): tfl.LayersModel {
  return getArchitecture(id).build(SHAPE, CLASSES, seed);
}

/** Wraps a student so every training forward pass records the ids of the samples it saw. */
function recordBatches(student: tfl.LayersModel): number[][] {
  const batches: number[][] = [];
  const apply = student.apply.bind(student);
  student.apply = ((inputs: tf.Tensor, kwargs?: Record<string, unknown>) => {
    const pixels = inputs.dataSync();
    const ids: number[] = [];
    for (let i = 0; i < inputs.shape[0]; i++) ids.push(Math.round(pixels[i * 64 + ID_PIXEL] * 1000));
    batches.push(ids);
    return apply(inputs, kwargs);
  }) as typeof student.apply;
  return batches;
}

async function run(options: Omit<RunOptions, 'data'>): Promise<{ steps: StepPoint[]; result: Awaited<ReturnType<typeof runExperiment>> }> {
  const steps: StepPoint[] = [];
  const result = await runExperiment({
    ...options,
    data,
    hooks: { ...options.hooks, onSteps: (points) => {
      steps.push(...points);
      options.hooks?.onSteps?.(points);
    } },
  });
  return { steps, result };
}

function expectSameWeights(a: Float32Array[], b: Float32Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((values, i) => expect(values).toEqual(b[i]));
}

describe('seeded determinism (cpu)', () => {
  async function seededRun(seed: number) {
    const student = build('tiny-cnn', seed);
    const initial = weightValues(student);
    const batches = recordBatches(student);
    const { steps, result } = await run({ config: config({ method: 'none', params: {}, student: 'tiny-cnn', seed, epochs: 2 }), student, teacher: null });
    student.dispose();
    return { initial, batches, losses: steps.map((s) => s.total), result };
  }

  it('the same seed gives the same initial weights, batch order and losses; another seed differs', async () => {
    const first = await seededRun(7);
    const second = await seededRun(7);
    const other = await seededRun(8);

    expect(first.result.status).toBe('done');
    expect(first.losses).toHaveLength(12); // 192 / 32 = 6 steps per epoch, 2 epochs
    expectSameWeights(second.initial, first.initial);
    expect(second.batches).toEqual(first.batches);
    expect(second.losses).toEqual(first.losses);
    expect(second.result.testAccuracy).toBe(first.result.testAccuracy);

    expect(other.initial[0]).not.toEqual(first.initial[0]);
    expect(other.batches).not.toEqual(first.batches);
    expect(other.losses).not.toEqual(first.losses);

    // Each epoch visits distinct samples, in a new order every epoch.
    const epoch1 = first.batches.slice(0, 6).flat();
    const epoch2 = first.batches.slice(6).flat();
    expect(new Set(epoch1).size).toBe(192);
    expect(new Set(epoch2).size).toBe(192);
    expect(epoch2).not.toEqual(epoch1);
    expect(first.batches.every((b) => b.length === 32)).toBe(true);
  });
});

describe('the frozen teacher', () => {
  // The live teacher is the teacher architecture (dropout included); the cached run uses a small one.
  it.each([
    [false, 'teacher-cnn'],
    [true, 'mlp'],
  ])('keeps every teacher weight bit-identical (cacheTeacher %s, %s) while the student learns', async (cacheTeacher, architecture) => {
    const teacher = build(architecture, 5); // trainable, as loaded: only the loop can keep it frozen
    const student = build('mlp', 6);
    const teacherBefore = weightValues(teacher);
    const studentBefore = weightValues(student);
    const { result, steps } = await run({ config: config({ kdRatio: 0.9 }), student, teacher, cacheTeacher });
    expect(result.status).toBe('done');
    expect(result.teacherCached).toBe(cacheTeacher);
    expect(steps.every((s) => s.kd > 0)).toBe(true);
    expectSameWeights(weightValues(teacher), teacherBefore);
    expect(weightValues(student)[0]).not.toEqual(studentBefore[0]);
    teacher.dispose();
    student.dispose();
  });
});

describe('the teacher cache', () => {
  it('gives the same per-step losses as the live teacher', async () => {
    const teacher = build('teacher-cnn', 9);
    const losses = async (cacheTeacher: boolean) => {
      const student = build('tiny-cnn', 3);
      const { steps, result } = await run({ config: config({ student: 'tiny-cnn', kdRatio: 0.7 }), student, teacher, cacheTeacher });
      student.dispose();
      expect(result.teacherCached).toBe(cacheTeacher);
      return steps;
    };
    const cached = await losses(true);
    const live = await losses(false);
    expect(cached).toHaveLength(6);
    cached.forEach((point, i) => {
      for (const key of ['ce', 'kd', 'total'] as const) {
        expect(Math.abs(point[key] - live[i][key])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(live[i][key])));
      }
    });
    teacher.dispose();
  });
});

describe('tensor ownership', () => {
  it.each([
    ['adam, cached teacher', { optimizer: 'adam' as const }, true],
    ['sgd, live teacher, augmentation, weight decay, cosine schedule', { optimizer: 'sgd' as const, augment: true, weightDecay: 1e-4, lrSchedule: 'cosine' as const }, false],
  ])('numTensors is flat across 50 steps and back to its start after the run (%s)', async (_, overrides, cacheTeacher) => {
    const teacher = build('mlp', 11);
    const student = build('mlp', 12);
    // 200 samples / batch 4 = 50 steps; flushing every step lets the hook see every step.
    const smallData = syntheticData(200, 16);
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    const result = await runExperiment({
      config: config({ batchSize: 4, evalEvery: 20, ...overrides }),
      data: smallData,
      student,
      teacher,
      cacheTeacher,
      flushEverySteps: 1,
      hooks: { onSteps: (points) => points.forEach(() => counts.push(tf.memory().numTensors)) },
    });
    expect(result.status).toBe('done');
    expect(result.steps).toBe(50);
    expect(counts).toHaveLength(50);
    // Optimiser slots appear at the first step; from then on every step must free what it made.
    expect(counts[49]).toBe(counts[9]);
    expect(new Set(counts.slice(9)).size).toBe(1);
    // The optimiser, the teacher cache and every evaluation are gone once the run returns.
    expect(tf.memory().numTensors).toBe(before);
    disposeData(smallData);
    teacher.dispose();
    student.dispose();
  });
});

describe('mixing in the loop (docs/ARCHITECTURE.md §4.2)', () => {
  it.each([
    [0.3, 0.7, 0.3],
    [1, 0, 1],
    [5, 1, 5],
  ])('kd_ratio %s: every step reports total = %s ce + %s kd', async (kdRatio, wCe, wKd) => {
    const teacher = build('mlp', 21);
    const student = build('mlp', 22);
    const { steps } = await run({ config: config({ kdRatio }), student, teacher });
    expect(steps).toHaveLength(6);
    for (const point of steps) {
      expect(point.kd).toBeGreaterThan(0);
      expect(point.total).toBeCloseTo(wCe * point.ce + wKd * point.kd, 5);
    }
    teacher.dispose();
    student.dispose();
  });

  it('method none reports kd = 0 and total = ce, with no teacher', async () => {
    const student = build('mlp', 23);
    const { steps, result } = await run({ config: config({ method: 'none', params: {}, kdRatio: 0.9 }), student, teacher: null });
    expect(result.teacherCached).toBe(false);
    for (const point of steps) {
      expect(point.kd).toBe(0);
      expect(point.total).toBeCloseTo(point.ce, 6);
    }
    student.dispose();
  });
});

describe('results and history', () => {
  it('drops the last partial batch, evaluates every evalEvery steps and once at the end (not at every epoch end), and reports the CLI result fields', async () => {
    const student = build('mlp', 31);
    const evals: number[] = [];
    const progress: number[] = [];
    // 192 samples / batch 40 = 4 full steps per epoch (32 samples dropped), 2 epochs.
    const { steps, result } = await run({
      config: config({ method: 'none', params: {}, batchSize: 40, epochs: 2, evalEvery: 3 }),
      student,
      teacher: null,
      hooks: { onEval: (point) => evals.push(point.step), onProgress: (step) => progress.push(step) },
    });
    expect(result.steps).toBe(8);
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(steps.map((s) => s.epoch)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    // Step 3 and 6 (evalEvery) and 8 (the end); the end of epoch 1 (step 4) is not an evaluation.
    expect(evals).toEqual([3, 6, 8]);
    expect(result.history.map((h) => h.step)).toEqual([3, 6, 8]);
    expect(result.history.map((h) => h.epoch)).toEqual([0.75, 1.5, 2]);
    expect(progress.at(-1)).toBe(8);
    for (const entry of result.history) {
      for (const key of ['trainAccuracy', 'valAccuracy', 'testAccuracy'] as const) {
        expect(entry[key]).toBeGreaterThanOrEqual(0);
        expect(entry[key]).toBeLessThanOrEqual(1);
      }
      expect(entry.total).toBeGreaterThan(0);
    }
    // The history's losses are means over the steps since the previous evaluation.
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    expect(result.history[0].ce).toBeCloseTo(mean(steps.slice(0, 3).map((s) => s.ce)), 5);
    expect(result.history[1].ce).toBeCloseTo(mean(steps.slice(3, 6).map((s) => s.ce)), 5);
    expect(result.history[2].total).toBeCloseTo(mean(steps.slice(6, 8).map((s) => s.total)), 5);
    expect(result.evalSeconds).toBeGreaterThan(0);
    expect(result.evalSeconds!).toBeLessThan(result.seconds);

    expect(result.status).toBe('done');
    expect(result.backend).toBe(tf.getBackend());
    expect(result.samplesPerSecond).toBeGreaterThan(0);
    // The speed after the first read-back (step 3 here) and the warm-up before it, for the estimate.
    expect(result.steadySamplesPerSecond).toBeGreaterThan(0);
    expect(result.warmUp!.trainSeconds).toBeGreaterThanOrEqual(0);
    expect(result.warmUp!.trainSeconds).toBeLessThanOrEqual(result.trainSeconds);
    expect(result.warmUp!.evalSeconds).toBeGreaterThanOrEqual(0);
    expect(result.warmUp!.evalSeconds).toBeLessThanOrEqual(result.evalSeconds!);
    expect(result.seconds).toBeGreaterThan(0);
    expect(result.confusion).toHaveLength(CLASSES);
    expect(result.confusion.flat().reduce((a, b) => a + b, 0)).toBe(32);
    expect(result.perClassAccuracy).toHaveLength(CLASSES);
    expect(result.testMpa).toBeGreaterThanOrEqual(0);
    expect(result.studentParameters).toBe(student.countParams());
    student.dispose();
  });

  it('a step budget wins over epochs: the same batches as an epoch run, cut at the budget', async () => {
    const byEpochs = build('mlp', 33);
    const byEpochsBatches = recordBatches(byEpochs);
    // 192 / 32 = 6 steps per epoch: 2 epochs = 12 steps; a budget of 9 steps stops mid-epoch 2.
    const epochRun = await run({ config: config({ method: 'none', params: {}, epochs: 2 }), student: byEpochs, teacher: null });
    const budgeted = build('mlp', 33);
    const budgetedBatches = recordBatches(budgeted);
    const evals: number[] = [];
    const stepRun = await run({
      config: config({ method: 'none', params: {}, epochs: 50, steps: 9, evalEvery: 4 }),
      student: budgeted,
      teacher: null,
      hooks: { onEval: (point) => evals.push(point.step) },
    });
    expect(epochRun.result.steps).toBe(12);
    expect(stepRun.result.steps).toBe(9);
    expect(budgetedBatches).toEqual(byEpochsBatches.slice(0, 9));
    expect(stepRun.steps.map((p) => p.total)).toEqual(epochRun.steps.slice(0, 9).map((p) => p.total));
    expect(evals).toEqual([4, 8, 9]);
    expect(stepRun.result.history.at(-1)).toMatchObject({ step: 9, epoch: 1.5 });
    byEpochs.dispose();
    budgeted.dispose();
  });

  it('scores the curve points on the first CURVE_EVAL_SAMPLES val / test samples and the final numbers on the whole splits, leaking nothing', async () => {
    const count = CURVE_EVAL_SAMPLES + 200;
    const test = syntheticSet(count, 5);
    // The samples past the curve subset carry wrong labels: the full split scores lower.
    for (let i = CURVE_EVAL_SAMPLES; i < count; i++) test.labels[i] = (test.labels[i] + 1) % CLASSES;
    const big: RunData = { ...data, val: uploadSplit(test, SHAPE), test: uploadSplit(test, SHAPE) };
    const student = build('mlp', 34);
    const tensorsBefore = tf.memory().numTensors;
    const result = await runExperiment({ config: config({ method: 'none', params: {}, epochs: 3 }), data: big, student, teacher: null });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const subset = selectSplit(big.test, Int32Array.from({ length: CURVE_EVAL_SAMPLES }, (_, i) => i));
    const onSubset = await evaluateModel(student, subset, CLASSES);
    const onWhole = await evaluateModel(student, big.test, CLASSES);
    expect(onSubset.accuracy).toBeGreaterThan(onWhole.accuracy);
    expect(result.history.at(-1)!.testAccuracy).toBe(onSubset.accuracy);
    expect(result.history.at(-1)!.valAccuracy).toBe(onSubset.accuracy);
    expect(result.testAccuracy).toBe(onWhole.accuracy);
    expect(result.valAccuracy).toBe(onWhole.accuracy);
    expect(result.confusion.flat().reduce((a, b) => a + b, 0)).toBe(count);
    disposeSplit(subset);
    disposeSplit(big.val);
    disposeSplit(big.test);
    student.dispose();
  });

  /** Val and test of CURVE_EVAL_SAMPLES + 200 samples whose last 200 carry wrong labels (the whole split scores lower). */
  function bigSplits(): { big: RunData; whole: number } {
    const count = CURVE_EVAL_SAMPLES + 200;
    const set = syntheticSet(count, 5);
    for (let i = CURVE_EVAL_SAMPLES; i < count; i++) set.labels[i] = (set.labels[i] + 1) % CLASSES;
    return { big: { ...data, val: uploadSplit(set, SHAPE), test: uploadSplit(set, SHAPE) }, whole: count };
  }

  it('a stopped run is scored on the first STOPPED_SCORE_SAMPLES val / test samples, says so, and leaks nothing', async () => {
    const { big, whole } = bigSplits();
    const student = build('mlp', 35);
    const control = new RunControl();
    const tensorsBefore = tf.memory().numTensors;
    const result = await runExperiment({
      config: config({ method: 'none', params: {}, epochs: 3 }),
      data: big,
      student,
      teacher: null,
      control,
      hooks: { onSteps: (points) => (points.at(-1)!.step >= 2 ? control.stop() : undefined) },
      flushEverySteps: 1,
    });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(result.status).toBe('stopped');
    expect(result.steps).toBeLessThan(result.totalSteps!);
    expect(result.scoredOn).toEqual({ val: STOPPED_SCORE_SAMPLES, test: STOPPED_SCORE_SAMPLES });
    const subset = selectSplit(big.test, Int32Array.from({ length: STOPPED_SCORE_SAMPLES }, (_, i) => i));
    expect(result.testAccuracy).toBe((await evaluateModel(student, subset, CLASSES)).accuracy);
    expect(result.confusion.flat().reduce((a, b) => a + b, 0)).toBe(STOPPED_SCORE_SAMPLES);
    expect(result.confusion.flat().reduce((a, b) => a + b, 0)).toBeLessThan(whole);
    disposeSplit(subset);
    disposeSplit(big.val);
    disposeSplit(big.test);
    student.dispose();
  });

  it('a Stop during the final evaluation of a finished run ends it at the next batch: scored on the first STOPPED_SCORE_SAMPLES', async () => {
    const { big } = bigSplits();
    const student = build('mlp', 36);
    const control = new RunControl();
    let evaluations = 0;
    let batchesAfterStop = 0;
    const predict = student.predict.bind(student);
    // Counts the batches the final (whole-split) evaluation runs once Stop was asked for.
    student.predict = ((inputs: tf.Tensor, args?: Record<string, unknown>) => {
      if (control.isStopped) batchesAfterStop++;
      return predict(inputs, args);
    }) as typeof student.predict;
    const tensorsBefore = tf.memory().numTensors;
    const result = await runExperiment({
      config: config({ method: 'none', params: {}, epochs: 1 }),
      data: big,
      student,
      teacher: null,
      control,
      evalBatchSize: 8,
      hooks: {
        onPhase: (phase) => {
          // The second 'evaluating' is the final one (the first scores the last curve point): Stop
          // arrives as a message would, in a later macrotask.
          if (phase === 'evaluating' && ++evaluations === 2) setTimeout(() => control.stop(), 0);
        },
      },
    });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(evaluations).toBe(2);
    expect(result.status).toBe('stopped');
    expect(result.steps).toBe(result.totalSteps);
    expect(result.scoredOn).toEqual({ val: STOPPED_SCORE_SAMPLES, test: STOPPED_SCORE_SAMPLES });
    // After the Stop: at most one batch of the whole-split pass, then the subsets (batches of 8).
    expect(batchesAfterStop).toBeLessThanOrEqual(1 + 2 * (STOPPED_SCORE_SAMPLES / 8));
    disposeSplit(big.val);
    disposeSplit(big.test);
    student.dispose();
  });

  it('learns the synthetic task (the loop really trains)', async () => {
    const student = build('mlp', 41);
    const { result, steps } = await run({ config: config({ method: 'none', params: {}, epochs: 3, lr: 0.02 }), student, teacher: null });
    expect(steps.at(-1)!.ce).toBeLessThan(steps[0].ce);
    expect(result.testAccuracy).toBeGreaterThan(0.9);
    student.dispose();
  });
});

describe('NaN handling', () => {
  it('an absurd learning rate ends the run with status error at the failing step, keeping the history before it', async () => {
    const student = build('tiny-cnn', 1);
    const { result, steps } = await run({
      config: config({ method: 'none', params: {}, student: 'tiny-cnn', optimizer: 'sgd', lr: 1e6, epochs: 2, evalEvery: 2 }),
      student,
      teacher: null,
      flushEverySteps: 1,
    });
    expect(result.status).toBe('error');
    expect(result.error).toBeDefined();
    const failedAt = result.error!.step;
    expect(failedAt).toBeGreaterThan(1);
    expect(failedAt).toBeLessThan(12); // it stopped early, not after both epochs
    expect(result.error!.message).toMatch(new RegExp(`(NaN|infinite) at step ${failedAt}`));
    expect(result.error!.suggestion).toMatch(/learning rate/);
    // Every step before the failure was reported and finite; none after it.
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: failedAt - 1 }, (_, i) => i + 1));
    expect(steps.every((s) => Number.isFinite(s.total))).toBe(true);
    expect(result.history.length).toBeGreaterThan(0);
    expect(result.history.every((h) => h.step < failedAt)).toBe(true);
    student.dispose();
  });

  it('a poisoned input (NaN pixel) is caught at the first step that sees it', async () => {
    const poisoned = syntheticData(64, 16);
    // Replace the training images with a copy whose sample 40 holds a NaN.
    const values = await poisoned.train.images.pixels(Int32Array.from({ length: 64 }, (_, i) => i));
    values[40 * 64 + 10] = Number.NaN;
    poisoned.train.images.dispose();
    poisoned.train.images = uploadSplit({ images: values, labels: poisoned.train.hostLabels, count: 64 }, [8, 8, 1]).images;
    const student = build('mlp', 2);
    const batches = recordBatches(student);
    const steps: StepPoint[] = [];
    const result = await runExperiment({
      config: config({ method: 'none', params: {}, batchSize: 8, epochs: 1 }),
      data: poisoned,
      student,
      teacher: null,
      hooks: { onSteps: (points) => steps.push(...points) },
    });
    const firstSeen = batches.findIndex((ids) => ids.includes(40)) + 1;
    expect(result.status).toBe('error');
    expect(result.error!.step).toBe(firstSeen);
    expect(steps).toHaveLength(firstSeen - 1);
    student.dispose();
    disposeData(poisoned);
  });
});

/** A RunControl that tells the test when the loop is actually waiting. */
class ObservedControl extends RunControl {
  private signal: () => void = () => {};
  waiting = new Promise<void>((resolve) => (this.signal = resolve));

  override waitWhilePaused(): Promise<void> {
    this.signal();
    return super.waitWhilePaused();
  }
}

describe('pause, resume, stop and live knobs', () => {
  it('pauses between steps, applies kd_ratio changed while paused from the next step, and stops', async () => {
    const teacher = build('mlp', 51);
    const student = build('mlp', 52);
    const control = new ObservedControl();
    const steps: StepPoint[] = [];
    const pausedAt: { step: number; delivered: number }[] = [];
    const running = runExperiment({
      config: config({ kdRatio: 0.5, epochs: 3 }),
      data,
      student,
      teacher,
      control,
      flushEverySteps: 1,
      hooks: {
        onSteps: (points) => {
          steps.push(...points);
          if (points.at(-1)!.step === 3) control.pause();
          if (points.at(-1)!.step === 8) control.stop();
        },
        onPaused: (step) => pausedAt.push({ step, delivered: steps.length }),
      },
    });
    await control.waiting;
    expect(control.isPaused).toBe(true);
    // Paused: no step runs, however long we wait.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3]);
    // The pause is confirmed once, after every step it ran was delivered.
    expect(pausedAt).toEqual([{ step: 3, delivered: 3 }]);
    control.setKnobs({ kdRatio: 0 });
    control.resume();
    const result = await running;

    expect(result.status).toBe('stopped');
    expect(result.steps).toBe(8);
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const point of steps.slice(0, 3)) {
      expect(point.total).toBeCloseTo(0.5 * point.ce + 0.5 * point.kd, 5);
      expect(Math.abs(point.total - point.ce)).toBeGreaterThan(1e-3);
    }
    // kd_ratio 0: the kd weight vanishes (kd is still computed and reported) from step 4 on.
    for (const point of steps.slice(3)) {
      expect(point.kd).toBeGreaterThan(0);
      expect(point.total).toBeCloseTo(point.ce, 6);
    }
    teacher.dispose();
    student.dispose();
  });

  it('applies a temperature changed while paused from the next step', async () => {
    const teacher = build('mlp', 61);
    const kdAt = async (pauseThenTemperature: number | null) => {
      const student = build('mlp', 62);
      const control = new ObservedControl();
      const steps: StepPoint[] = [];
      const running = run({
        config: config({ kdRatio: 0.5, params: { temperature: 4 } }),
        student,
        teacher,
        control,
        flushEverySteps: 1,
        hooks: { onSteps: (points) => (points.at(-1)!.step === 2 && pauseThenTemperature !== null ? control.pause() : undefined) },
      });
      if (pauseThenTemperature !== null) {
        await control.waiting;
        control.setKnobs({ params: { temperature: pauseThenTemperature } });
        control.resume();
      }
      steps.push(...(await running).steps);
      student.dispose();
      return steps;
    };
    const unchanged = await kdAt(null);
    const changed = await kdAt(1);
    // Same seed and data: identical up to the pause, different from step 3 on.
    expect(changed.slice(0, 2)).toEqual(unchanged.slice(0, 2));
    expect(Math.abs(changed[2].kd - unchanged[2].kd)).toBeGreaterThan(1e-3);
    teacher.dispose();
  });

  it('stop while paused ends the run without another step', async () => {
    const student = build('mlp', 71);
    const control = new ObservedControl();
    const steps: StepPoint[] = [];
    control.pause();
    const running = runExperiment({
      config: config({ method: 'none', params: {} }),
      data,
      student,
      teacher: null,
      control,
      hooks: { onSteps: (points) => steps.push(...points) },
    });
    await control.waiting;
    control.stop();
    const result = await running;
    expect(result.status).toBe('stopped');
    expect(result.steps).toBe(0);
    expect(steps).toHaveLength(0);
    student.dispose();
  });
});

describe('train until stopped', () => {
  it('runs past its epochs with a constant learning rate until Finish, then is scored on the whole splits as a run that ended: the same steps as a run of that length', async () => {
    const base = config({ method: 'none', params: {}, epochs: 1, optimizer: 'sgd', lr: 0.05 });
    const stepsPerEpoch = Math.floor(data.train.count / base.batchSize);
    const budget = 3 * stepsPerEpoch + 2;
    const endlessStudent = build('mlp', 91);
    const control = new RunControl();
    const tensorsBefore = tf.memory().numTensors;
    const endless = await run({
      // Cosine would decay to 0 over one epoch: until stopped the rate stays where it starts.
      config: { ...base, lrSchedule: 'cosine', untilStopped: true },
      student: endlessStudent,
      teacher: null,
      control,
      hooks: { onSteps: (points) => (points.at(-1)!.step >= budget ? control.finish() : undefined) },
      flushEverySteps: 1,
    });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(endless.result.status).toBe('done');
    expect(endless.result.steps).toBe(budget);
    expect(endless.result.totalSteps).toBe(budget);
    expect(endless.result.scoredOn).toBeUndefined();
    expect(endless.result.confusion.flat().reduce((a, b) => a + b, 0)).toBe(data.test.count);
    const fixedStudent = build('mlp', 91);
    const fixed = await run({ config: { ...base, lrSchedule: 'constant', steps: budget }, student: fixedStudent, teacher: null });
    expect(endless.steps.map((point) => point.total)).toEqual(fixed.steps.map((point) => point.total));
    expectSameWeights(weightValues(endlessStudent), weightValues(fixedStudent));
    endlessStudent.dispose();
    fixedStudent.dispose();
  });

  it('Finish while paused ends the run at once, as done', async () => {
    const student = build('mlp', 92);
    const control = new ObservedControl();
    control.pause();
    const running = runExperiment({ config: config({ method: 'none', params: {}, untilStopped: true }), data, student, teacher: null, control });
    await control.waiting;
    control.finish();
    const result = await running;
    expect(result.status).toBe('done');
    expect(result.steps).toBe(0);
    student.dispose();
  });
});

describe('learning-rate schedule', () => {
  it.each(['sgd', 'adam'] as const)('cosine changes the updates from the second step on (%s)', async (optimizer) => {
    const totals = async (lrSchedule: 'constant' | 'cosine') => {
      const student = build('mlp', 81);
      const { steps } = await run({ config: config({ method: 'none', params: {}, optimizer, lr: 0.05, lrSchedule }), student, teacher: null });
      student.dispose();
      return steps.map((s) => s.total);
    };
    const constant = await totals('constant');
    const cosine = await totals('cosine');
    // The first update uses lr(0) = lr in both runs, so the losses of steps 1 and 2 agree...
    expect(cosine.slice(0, 2)).toEqual(constant.slice(0, 2));
    // ...and from the second update on the cosine run steps differently.
    for (let i = 2; i < constant.length; i++) expect(cosine[i]).not.toBe(constant[i]);
  });
});
