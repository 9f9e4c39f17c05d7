// The training loop shared by the worker, the CLI and the tests.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { computeDistillLoss, getMethod, mixWeights, resolveParams } from '../kd';
import type { DatasetInfo } from '../data/types';
import { paddedIndexBatches, type DeviceSplit } from '../data/device';
import { randomShift } from '../data/augment';
import { createRng, deriveSeed, permutation } from './rng';
import { type ExperimentConfig, usesTeacher } from './config';
import { RunControl } from './control';
import { cacheTeacherLogits, predictLogits } from './teacherCache';
import { evaluatePredictions, type Evaluation } from './metrics';

export interface StepPoint {
  step: number;
  epoch: number;
  ce: number;
  kd: number;
  total: number;
}

export interface EvalPoint {
  step: number;
  epoch: number;
  trainAccuracy: number;
  valAccuracy: number;
  testAccuracy: number;
}

export interface HistoryEntry extends EvalPoint {
  ce: number;
  kd: number;
  total: number;
}

export type RunStatus = 'done' | 'stopped' | 'error';

export interface RunResult {
  config: ExperimentConfig;
  status: RunStatus;
  error?: { message: string; step: number; suggestion: string };
  testAccuracy: number;
  testMpa: number;
  valAccuracy: number;
  valMpa: number;
  perClassAccuracy: number[];
  confusion: number[][];
  history: HistoryEntry[];
  samplesPerSecond: number;
  seconds: number;
  trainSeconds: number;
  steps: number;
  backend: string;
  teacherCached: boolean;
  studentParameters: number;
}

export interface RunData {
  info: DatasetInfo;
  train: DeviceSplit;
  val: DeviceSplit;
  test: DeviceSplit;
}

export interface RunHooks {
  /** Per-step losses, delivered in batches (never one call per step). */
  onSteps?(points: StepPoint[]): void;
  onEval?(point: EvalPoint): void;
  onPhase?(phase: 'caching-teacher' | 'training' | 'evaluating', detail?: string): void;
  /** Progress through the whole run, 0..1. */
  onProgress?(step: number, totalSteps: number, epoch: number): void;
}

export interface RunOptions {
  config: ExperimentConfig;
  data: RunData;
  student: tfl.LayersModel;
  teacher: tfl.LayersModel | null;
  hooks?: RunHooks;
  control?: RunControl;
  /** Cache the teacher's logits when augmentation is off (default true). */
  cacheTeacher?: boolean;
  /** Flush step metrics after this many steps or this many ms, whichever first. */
  flushEverySteps?: number;
  flushEveryMs?: number;
  evalBatchSize?: number;
}

/** The student's predicted classes on a split, in fixed-size batches. */
export async function predictClasses(model: tfl.LayersModel, split: DeviceSplit, batchSize: number): Promise<Int32Array> {
  const predictions = new Int32Array(split.count);
  for (const batch of paddedIndexBatches(split.count, Math.min(batchSize, Math.max(split.count, 1)))) {
    const classes = tf.tidy(() => {
      const images = tf.gather(split.images, tf.tensor1d(batch.indices, 'int32')) as tf.Tensor4D;
      return tf.argMax(predictLogits(model, images), 1);
    });
    const values = await classes.data();
    classes.dispose();
    const start = batch.indices[0];
    for (let i = 0; i < batch.valid; i++) predictions[start + i] = values[i];
  }
  return predictions;
}

export async function evaluateModel(model: tfl.LayersModel, split: DeviceSplit, numClasses: number, batchSize = 256): Promise<Evaluation> {
  const predictions = await predictClasses(model, split, batchSize);
  return evaluatePredictions(split.hostLabels, predictions, numClasses);
}

/** Adam and momentum SGD both read `learningRate` on every step, so a schedule can set it. */
type ScheduledOptimizer = tf.Optimizer & { learningRate: number };

function createOptimizer(config: ExperimentConfig): ScheduledOptimizer {
  return (config.optimizer === 'sgd' ? tf.train.momentum(config.lr, config.momentum) : tf.train.adam(config.lr)) as unknown as ScheduledOptimizer;
}

function learningRateAt(config: ExperimentConfig, step: number, totalSteps: number): number {
  if (config.lrSchedule === 'cosine') return 0.5 * config.lr * (1 + Math.cos((Math.PI * step) / totalSteps));
  return config.lr;
}

const SUGGESTION_NAN =
  'The loss became NaN or infinite. Lower the learning rate (try ÷10), lower kd_ratio or the temperature, or switch to Adam.';

/** Train a student on a dataset already on the device, optionally distilling from a teacher. */
export async function runExperiment(options: RunOptions): Promise<RunResult> {
  const { config, data, student, hooks = {} } = options;
  const control = options.control ?? new RunControl();
  const method = getMethod(config.method);
  const teacher = usesTeacher(config) ? options.teacher : null;
  if (usesTeacher(config) && !teacher) throw new Error(`Method "${config.method}" needs a teacher`);
  const numClasses = data.info.numClasses;
  const batchSize = config.batchSize;
  if (batchSize > data.train.count) {
    throw new Error(`Batch size ${batchSize} is larger than the training set (${data.train.count} samples)`);
  }
  const stepsPerEpoch = Math.floor(data.train.count / batchSize); // drop the last partial batch: fixed shapes
  const totalSteps = stepsPerEpoch * config.epochs;
  const evalBatchSize = options.evalBatchSize ?? 256;
  const flushEverySteps = options.flushEverySteps ?? 25;
  const flushEveryMs = options.flushEveryMs ?? 250;
  const started = performance.now();

  let knobs = { kdRatio: config.kdRatio, params: resolveParams(method, config.params) };
  const optimizer = createOptimizer(config);
  const studentVariables = student.trainableWeights.map((w) => w.read() as tf.Variable);
  const batchRng = createRng(deriveSeed(config.seed, 'batches'));
  const augmentRng = createRng(deriveSeed(config.seed, 'augment'));
  const history: HistoryEntry[] = [];

  let teacherCache: tf.Tensor2D | null = null;
  const cacheWanted = teacher !== null && !config.augment && (options.cacheTeacher ?? true);
  if (cacheWanted && teacher) {
    hooks.onPhase?.('caching-teacher');
    teacherCache = await cacheTeacherLogits(teacher, data.train, evalBatchSize, (done, total) =>
      hooks.onPhase?.('caching-teacher', `${done} / ${total}`),
    );
  }

  interface Pending {
    step: number;
    epoch: number;
    ce: tf.Scalar;
    kd: tf.Scalar;
    total: tf.Scalar;
    correct: tf.Scalar;
  }
  let pending: Pending[] = [];
  let lastFlush = performance.now();
  let sinceEval = { ce: 0, kd: 0, total: 0, count: 0 };
  let epochCorrect = 0;
  let epochSeen = 0;
  let failure: RunResult['error'];
  let step = 0;
  let trainMs = 0;

  /** Read pending step metrics back in one transfer; returns false when a loss was not finite. */
  const flush = async (): Promise<boolean> => {
    if (pending.length === 0) return true;
    const batch = pending;
    pending = [];
    const stacked = tf.tidy(() => tf.stack(batch.flatMap((p) => [p.ce, p.kd, p.total, p.correct])));
    const values = await stacked.data();
    stacked.dispose();
    for (const p of batch) {
      p.ce.dispose();
      p.kd.dispose();
      p.total.dispose();
      p.correct.dispose();
    }
    const points: StepPoint[] = [];
    for (let i = 0; i < batch.length; i++) {
      const [ce, kd, total, correct] = [values[4 * i], values[4 * i + 1], values[4 * i + 2], values[4 * i + 3]];
      if (!Number.isFinite(total) || !Number.isFinite(ce) || !Number.isFinite(kd)) {
        failure = { message: `Loss is ${Number.isNaN(total) ? 'NaN' : 'infinite'} at step ${batch[i].step}`, step: batch[i].step, suggestion: SUGGESTION_NAN };
        break;
      }
      points.push({ step: batch[i].step, epoch: batch[i].epoch, ce, kd, total });
      sinceEval = { ce: sinceEval.ce + ce, kd: sinceEval.kd + kd, total: sinceEval.total + total, count: sinceEval.count + 1 };
      epochCorrect += correct;
      epochSeen += batchSize;
    }
    if (points.length > 0) hooks.onSteps?.(points);
    lastFlush = performance.now();
    return failure === undefined;
  };

  const evaluateNow = async (epoch: number) => {
    hooks.onPhase?.('evaluating');
    const val = await evaluateModel(student, data.val, numClasses, evalBatchSize);
    const test = await evaluateModel(student, data.test, numClasses, evalBatchSize);
    const point: EvalPoint = {
      step,
      epoch,
      trainAccuracy: epochSeen > 0 ? epochCorrect / epochSeen : 0,
      valAccuracy: val.accuracy,
      testAccuracy: test.accuracy,
    };
    const n = Math.max(sinceEval.count, 1);
    history.push({ ...point, ce: sinceEval.ce / n, kd: sinceEval.kd / n, total: sinceEval.total / n });
    sinceEval = { ce: 0, kd: 0, total: 0, count: 0 };
    hooks.onEval?.(point);
    hooks.onPhase?.('training');
  };

  hooks.onPhase?.('training');
  try {
    training: for (let epoch = 0; epoch < config.epochs; epoch++) {
      const order = permutation(data.train.count, batchRng);
      epochCorrect = 0;
      epochSeen = 0;
      for (let b = 0; b < stepsPerEpoch; b++) {
        if (control.isPaused) {
          if (!(await flush())) break training;
          await control.waitWhilePaused();
        }
        if (control.isStopped) break training;
        const changed = control.takeKnobs();
        if (changed) {
          knobs = {
            kdRatio: changed.kdRatio ?? knobs.kdRatio,
            params: resolveParams(method, { ...knobs.params, ...(changed.params ?? {}) }),
          };
        }
        const stepStart = performance.now();
        const weights = teacher ? mixWeights(knobs.kdRatio) : { ce: 1, kd: 0 };
        optimizer.learningRate = learningRateAt(config, step, totalSteps);
        const indices = tf.tensor1d(order.subarray(b * batchSize, (b + 1) * batchSize), 'int32');
        const labels = tf.gather(data.train.labels, indices) as tf.Tensor1D;
        let images = tf.gather(data.train.images, indices) as tf.Tensor4D;
        if (config.augment) {
          const shifted = randomShift(images, 2, augmentRng);
          images.dispose();
          images = shifted;
        }
        // The teacher runs outside the optimiser's closure, so no gradient can reach it.
        const teacherLogits = teacher
          ? teacherCache
            ? (tf.gather(teacherCache, indices) as tf.Tensor2D)
            : predictLogits(teacher, images)
          : null;
        let ce: tf.Scalar | undefined;
        let kd: tf.Scalar | undefined;
        let correct: tf.Scalar | undefined;
        const total = optimizer.minimize(
          () => {
            const logits = student.apply(images, { training: true }) as tf.Tensor2D;
            const oneHot = tf.oneHot(labels, numClasses);
            const ceLoss = tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
            const kdLoss = teacherLogits
              ? computeDistillLoss(method.id, { studentLogits: logits, teacherLogits, labels }, knobs.params)
              : tf.scalar(0);
            ce = tf.keep(ceLoss);
            kd = tf.keep(kdLoss);
            correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar);
            let loss = tf.add(tf.mul(ceLoss, weights.ce), tf.mul(kdLoss, weights.kd)) as tf.Scalar;
            if (config.weightDecay > 0) {
              // L2 on every weight, as torch's weight_decay (coupled) does for SGD and Adam.
              const squares = studentVariables.map((v) => tf.sum(tf.square(v)));
              loss = tf.add(loss, tf.mul(tf.addN(squares), config.weightDecay / 2)) as tf.Scalar;
            }
            return loss;
          },
          true,
          studentVariables,
        ) as tf.Scalar;
        indices.dispose();
        labels.dispose();
        images.dispose();
        teacherLogits?.dispose();
        step++;
        pending.push({ step, epoch, ce: ce!, kd: kd!, total, correct: correct! });
        trainMs += performance.now() - stepStart;
        if (pending.length >= flushEverySteps || performance.now() - lastFlush >= flushEveryMs) {
          const flushStart = performance.now();
          const ok = await flush();
          trainMs += performance.now() - flushStart;
          if (!ok) break training;
          hooks.onProgress?.(step, totalSteps, epoch);
        }
        if (step % config.evalEvery === 0 && b !== stepsPerEpoch - 1) {
          if (!(await flush())) break training;
          await evaluateNow(epoch + b / stepsPerEpoch);
        }
      }
      if (!(await flush())) break;
      hooks.onProgress?.(step, totalSteps, epoch + 1);
      if (!control.isStopped) await evaluateNow(epoch + 1);
    }
    if (!failure) await flush();
  } finally {
    for (const p of pending) {
      p.ce.dispose();
      p.kd.dispose();
      p.total.dispose();
      p.correct.dispose();
    }
    teacherCache?.dispose();
    optimizer.dispose();
  }

  hooks.onPhase?.('evaluating');
  const val = await evaluateModel(student, data.val, numClasses, evalBatchSize);
  const test = await evaluateModel(student, data.test, numClasses, evalBatchSize);
  const seconds = (performance.now() - started) / 1000;
  return {
    config,
    status: failure ? 'error' : control.isStopped ? 'stopped' : 'done',
    error: failure,
    testAccuracy: test.accuracy,
    testMpa: test.mpa,
    valAccuracy: val.accuracy,
    valMpa: val.mpa,
    perClassAccuracy: test.perClassAccuracy,
    confusion: test.confusion,
    history,
    samplesPerSecond: trainMs > 0 ? (step * batchSize) / (trainMs / 1000) : 0,
    seconds,
    trainSeconds: trainMs / 1000,
    steps: step,
    backend: tf.getBackend(),
    teacherCached: teacherCache !== null,
    studentParameters: student.countParams(),
  };
}
