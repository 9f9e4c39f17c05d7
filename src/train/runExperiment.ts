// The training loop shared by the worker, the CLI and the tests.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { getMethod } from '../kd';
import { applyKnobs, changedKnobs, mixAt } from './liveTerms';
import { createOptimizer, disposeOptimizer, learningRateAt, setLearningRate, type SgdLike } from './optimizers';
import { disposeSplit, firstSamples, type DeviceSplit } from '../data/device';
import { getArchitecture } from '../models/architectures';
import { createRng, deriveSeed, permutation } from '../core/rng';
import { CURVE_EVAL_SAMPLES, STOPPED_SCORE_SAMPLES, type ExperimentConfig, isMutual, usesTeacher, validateConfig } from './config';
import { RunControl, type KnobChange } from './control';
import { cacheTeacherLogits, cacheTeacherOutputs, FEATURE_CACHE_BYTES, outputCacheBytes } from './teacherCache';
import { stepMetricTensors, disposeStepMetrics, readStepMetrics, trainStep, type PeerContext, type StepContext, type StepMetrics } from './trainStep';
import { buildDistillPlan, type DistillPlan } from './distillPlan';
import { evaluatePredictions } from './metrics';
import { evaluateModel, EvaluationInterrupted, predictWithTta, type Interruptible } from './evaluate';
import { WeightEma } from './ema';
import { createRDrop, type RDropContext } from './rdrop';
import type { EvalPoint, HistoryEntry, PeerResult, RunData, RunResult, StepPoint } from './runTypes';
import { plannedSteps } from './schedule';


export interface RunHooks {
  /** Per-step losses, delivered in batches (never one call per step). */
  onSteps?(points: StepPoint[]): void;
  onEval?(point: EvalPoint): void;
  onPhase?(phase: 'caching-teacher' | 'training' | 'evaluating', detail?: string): void;
  /**
   * The loop has stopped at a pause, after delivering every step it ran (on a GPU the last steps
   * can finish seconds after the pause was asked for): nothing more arrives until it resumes.
   */
  onPaused?(step: number): void;
  /** Knob values changed while the run trained, reported once the loop applied them (before that step). */
  onKnobs?(change: KnobChange): void;
  /** Progress through the whole run, 0..1. */
  onProgress?(step: number, totalSteps: number, epoch: number): void;
}

export interface RunOptions {
  config: ExperimentConfig;
  data: RunData;
  student: tfl.LayersModel;
  teacher: tfl.LayersModel | null;
  /**
   * DML's second student; when absent runExperiment builds config.peerStudent (default: the
   * student's architecture) from a seed derived from config.seed, and frees it at the end.
   */
  peer?: tfl.LayersModel;
  hooks?: RunHooks;
  control?: RunControl;
  /**
   * Cache the teacher's outputs when augmentation is off (default true): its logits, or for
   * layer-reading methods all its tapped outputs when they fit in FEATURE_CACHE_BYTES.
   */
  cacheTeacher?: boolean;
  /**
   * The teacher's logits for every training sample, in order (shipped with the teacher, see
   * src/models/shippedLogits.ts): used where the logits would be cached, instead of computing them.
   */
  teacherLogits?: Float32Array | null;
  /** Flush step metrics after this many steps or this many ms, whichever first. */
  flushEverySteps?: number;
  flushEveryMs?: number;
  evalBatchSize?: number;
  /** R-Drop's dropout rate on the student's embedding (default RDROP_DROPOUT_RATE; tests set 0). */
  rdropRate?: number;
}

const SUGGESTION_NAN =
  'The loss became NaN or infinite. Lower the learning rate (try ÷10), kd_ratio, the temperature or the weight decay, or switch to Adam.';

/**
 * The fixed subset of training samples that keeps its labels in label-free mode: 1 for
 * round(fraction * count) samples (at least one) drawn from the seed, 0 for the others.
 */
export function labelledSubset(count: number, fraction: number, seed: number): Float32Array {
  const mask = new Float32Array(count);
  if (fraction >= 1) return mask.fill(1);
  const kept = Math.min(count, Math.max(1, Math.round(fraction * count)));
  const order = permutation(count, createRng(deriveSeed(seed, 'labelled')));
  for (let i = 0; i < kept; i++) mask[order[i]] = 1;
  return mask;
}

interface Scored {
  student: tfl.LayersModel;
  peer: tfl.LayersModel | null;
  peerStudent: string;
  numClasses: number;
  evalBatchSize: number;
  ttaShift: number;
}

/** The final numbers on val and test (a Stop during it throws EvaluationInterrupted). */
async function scoreOn(m: Scored, val: DeviceSplit, test: DeviceSplit, options: Interruptible) {
  const valEval = await evaluateModel(m.student, val, m.numClasses, m.evalBatchSize, options);
  const testEval = await evaluateModel(m.student, test, m.numClasses, m.evalBatchSize, options);
  const testTta = m.ttaShift > 0 ? evaluatePredictions(test.hostLabels, await predictWithTta(m.student, test, m.ttaShift, m.evalBatchSize, options), m.numClasses) : null;
  let peerResult: PeerResult | undefined;
  if (m.peer) {
    const peerVal = await evaluateModel(m.peer, val, m.numClasses, m.evalBatchSize, options);
    const peerTest = await evaluateModel(m.peer, test, m.numClasses, m.evalBatchSize, options);
    peerResult = {
      student: m.peerStudent,
      parameters: m.peer.countParams(),
      testAccuracy: peerTest.accuracy,
      testMpa: peerTest.mpa,
      valAccuracy: peerVal.accuracy,
      valMpa: peerVal.mpa,
    };
  }
  return { val: valEval, test: testEval, testTta, peerResult };
}

/**
 * A run that finished is scored on the whole splits, unless Stop is pressed meanwhile; a stopped
 * run (or one stopped during that evaluation) on the first STOPPED_SCORE_SAMPLES images, so a
 * Stop ends every phase within a second or two (`scoredOn` says on how many).
 */
async function finalScores(m: Scored, data: RunData, control: RunControl) {
  if (!control.isStopped) {
    try {
      return { ...(await scoreOn(m, data.val, data.test, { interrupted: () => control.isStopped })), scoredOn: undefined };
    } catch (error) {
      if (!(error instanceof EvaluationInterrupted)) throw error;
    }
  }
  const val = firstSamples(data.val, STOPPED_SCORE_SAMPLES);
  const test = firstSamples(data.test, STOPPED_SCORE_SAMPLES);
  try {
    const scores = await scoreOn(m, val ?? data.val, test ?? data.test, {});
    return { ...scores, scoredOn: val || test ? { val: (val ?? data.val).count, test: (test ?? data.test).count } : undefined };
  } finally {
    disposeSplit(val);
    disposeSplit(test);
  }
}

/** Train a student on a dataset already on the device, optionally distilling from a teacher. */
export async function runExperiment(options: RunOptions): Promise<RunResult> {
  const { config, data, student, hooks = {} } = options;
  const control = options.control ?? new RunControl();
  getMethod(config.method); // an unknown method fails here, before anything is allocated
  const needsTeacher = usesTeacher(config);
  const teacher = needsTeacher ? options.teacher : null;
  if (needsTeacher && !teacher) throw new Error(`Method "${config.method}" needs a teacher`);
  const mutual = isMutual(config);
  const numClasses = data.info.numClasses;
  const batchSize = config.batchSize;
  if (batchSize > data.train.count) {
    throw new Error(`Batch size ${batchSize} is larger than the training set (${data.train.count} samples)`);
  }
  const fraction = config.labelledFraction ?? 1;
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`Labelled fraction must be in (0, 1] (got ${fraction})`);
  // What the loop cannot run (the page's and the CLI's checks of the set-up, e.g. kd_ratio above 1 for a ratio method, are setUpRun's).
  const loopProblem = validateConfig(config).find((problem) => ['ttaShift', 'emaDecay', 'rdropAlpha'].includes(problem.field));
  if (loopProblem) throw new Error(loopProblem.message);
  const ttaShift = config.ttaShift ?? 0;
  const rdropAlpha = config.rdropAlpha ?? 0;
  const stepsPerEpoch = Math.floor(data.train.count / batchSize); // drop the last partial batch: fixed shapes
  // Until stopped, the planned length is only the horizon of a warm-up; the loop runs on (and the learning rate is constant: cos(step / ∞) = 1).
  const endless = config.untilStopped === true;
  const horizonEpochs = plannedSteps(config, stepsPerEpoch) / stepsPerEpoch;
  const totalSteps = endless ? Infinity : plannedSteps(config, stepsPerEpoch);
  const totalEpochs = endless ? Infinity : horizonEpochs;
  const evalBatchSize = options.evalBatchSize ?? 256;
  const flushEverySteps = options.flushEverySteps ?? 25;
  const flushEveryMs = options.flushEveryMs ?? 250;
  const started = performance.now();

  // Layer pairs are resolved and checked here: a refused pair fails before any training.
  const plan: DistillPlan = buildDistillPlan(config, student, teacher, numClasses);
  let terms = plan.terms.map(({ method, weight, params }) => ({ method, weight, params }));
  const termIds = terms.map((term) => term.method);
  // The chart lines: the terms, and R-Drop's KL when it is on.
  const chartTermIds = rdropAlpha > 0 ? [...termIds, 'rdrop'] : termIds;
  const knobChanges: KnobChange[] = [];

  let peerModel: tfl.LayersModel | null = null;
  let peerOwned = false;
  let peer: PeerContext | null = null;
  let labelled: tf.Tensor1D | null = null;
  let labelledCount = data.train.count;
  const optimizer = createOptimizer(config);
  const studentVariables = student.trainableWeights.map((w) => w.read() as tf.Variable);
  const batchRng = createRng(deriveSeed(config.seed, 'batches'));
  const augmentRng = createRng(deriveSeed(config.seed, 'augment'));
  const history: HistoryEntry[] = [];
  let teacherCache: tf.Tensor2D | null = null;
  let teacherOutputsCache: tf.Tensor[] | null = null;
  let ema: WeightEma | null = null;

  interface Pending {
    step: number;
    epoch: number;
    metrics: StepMetrics;
  }
  let pending: Pending[] = [];
  let lastFlush = performance.now();
  const emptyTotals = () => ({ ce: 0, kd: 0, total: 0, count: 0, terms: Object.fromEntries(chartTermIds.map((id) => [id, 0])), peer: { ce: 0, kd: 0, total: 0 } });
  let sinceEval = emptyTotals();
  let epochCorrect = 0;
  let peerEpochCorrect = 0;
  let epochSeen = 0;
  let failure: RunResult['error'];
  let step = 0;
  let trainMs = 0;
  let evalMs = 0;
  let curveVal: DeviceSplit | null = null;
  let curveTest: DeviceSplit | null = null;

  try {
    if (mutual) {
      if (options.peer) peerModel = options.peer;
      else {
        peerModel = getArchitecture(config.peerStudent ?? config.student).build(data.info.inputShape, numClasses, deriveSeed(config.seed, 'peer'));
        peerOwned = true;
      }
      peer = {
        model: peerModel,
        variables: peerModel.trainableWeights.map((w) => w.read() as tf.Variable),
        optimizer: createOptimizer(config),
      };
    }
    if (fraction < 1) {
      const mask = labelledSubset(data.train.count, fraction, config.seed);
      labelledCount = mask.reduce((a, b) => a + b, 0);
      labelled = tf.tensor1d(mask, 'float32');
    }

    // Logit-only terms cache the logits; layer taps cache every tapped output when it fits
    // (Digits: a few MB), else the teacher runs live (MNIST's feature maps would take GBs).
    const cacheWanted = teacher !== null && !config.augment && (options.cacheTeacher ?? true);
    const onCacheProgress = (done: number, total: number) => hooks.onPhase?.('caching-teacher', `${done} / ${total}`);
    const shippedLogits = options.teacherLogits?.length === data.train.count * numClasses ? options.teacherLogits : null;
    if (cacheWanted && teacher && plan.teacherTaps === null && shippedLogits) {
      teacherCache = tf.tensor2d(shippedLogits, [data.train.count, numClasses]);
    } else if (cacheWanted && teacher && plan.teacherTaps === null) {
      hooks.onPhase?.('caching-teacher');
      teacherCache = await cacheTeacherLogits(teacher, data.train, evalBatchSize, onCacheProgress, control);
    } else if (cacheWanted && plan.teacherTaps && outputCacheBytes(plan.teacherTaps.model, data.train.count) <= FEATURE_CACHE_BYTES) {
      hooks.onPhase?.('caching-teacher');
      teacherOutputsCache = await cacheTeacherOutputs(plan.teacherTaps.model, data.train, evalBatchSize, onCacheProgress, control);
    }

    const rdrop: RDropContext | null =
      rdropAlpha > 0 ? createRDrop(student, plan.studentTaps?.names ?? [], rdropAlpha, deriveSeed(config.seed, 'rdrop'), options.rdropRate) : null;
    if (config.emaDecay) ema = new WeightEma(studentVariables, config.emaDecay);
    const stepContext: StepContext = {
      student,
      studentVariables,
      optimizer,
      train: data.train,
      numClasses,
      methodId: config.method,
      teacher,
      teacherCache,
      teacherOutputsCache,
      weightDecay: config.weightDecay,
      augmentRng: config.augment ? augmentRng : null,
      plan,
      labelled,
      peer,
      rdrop,
    };
    // With EMA on, every evaluation sees the averaged weights (the student's own are put back after).
    const evaluateStudent = (split: DeviceSplit) =>
      ema ? ema.withAverage(() => evaluateModel(student, split, numClasses, evalBatchSize)) : evaluateModel(student, split, numClasses, evalBatchSize);

    /** Read pending step metrics back in one transfer; returns false when a loss was not finite. */
    const flush = async (): Promise<boolean> => {
      if (pending.length === 0) return true;
      const batch = pending;
      pending = [];
      const tensors = batch.map((p) => stepMetricTensors(p.metrics));
      const stacked = tf.tidy(() => tf.stack(tensors.flat()));
      const values = await stacked.data();
      stacked.dispose();
      // A macrotask turn, so a worker hears pause/stop: on the cpu backend data() resolves without one.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      for (const p of batch) disposeStepMetrics(p.metrics);
      const points: StepPoint[] = [];
      let offset = 0;
      for (let i = 0; i < batch.length; i++) {
        const row = values.subarray(offset, offset + tensors[i].length);
        const { ce, kd, total, correct, terms: recipeValues, rdrop: rdropValue, peer: peerValues } = readStepMetrics(batch[i].metrics, values, offset);
        offset += tensors[i].length;
        const termValues = recipeValues.length > 0 ? recipeValues : [kd];
        if (!row.every(Number.isFinite)) {
          const bad = row.find((v) => !Number.isFinite(v))!;
          failure = { message: `Loss is ${Number.isNaN(bad) ? 'NaN' : 'infinite'} at step ${batch[i].step}`, step: batch[i].step, suggestion: SUGGESTION_NAN };
          break;
        }
        const point: StepPoint = { step: batch[i].step, epoch: batch[i].epoch, ce, kd, total, terms: {} };
        termIds.forEach((id, t) => {
          point.terms[id] = termValues[t];
          sinceEval.terms[id] += termValues[t];
        });
        if (rdropValue !== null) {
          point.terms.rdrop = rdropValue;
          sinceEval.terms.rdrop += rdropValue;
        }
        if (peerValues) {
          point.peer = { ce: peerValues.ce, kd: peerValues.kd, total: peerValues.total };
          sinceEval.peer = { ce: sinceEval.peer.ce + peerValues.ce, kd: sinceEval.peer.kd + peerValues.kd, total: sinceEval.peer.total + peerValues.total };
          peerEpochCorrect += peerValues.correct;
        }
        points.push(point);
        sinceEval.ce += ce;
        sinceEval.kd += kd;
        sinceEval.total += total;
        sinceEval.count += 1;
        epochCorrect += correct;
        epochSeen += batchSize;
      }
      if (points.length > 0) hooks.onSteps?.(points);
      lastFlush = performance.now();
      return failure === undefined;
    };

    curveVal = firstSamples(data.val, CURVE_EVAL_SAMPLES);
    curveTest = firstSamples(data.test, CURVE_EVAL_SAMPLES);
    const evaluateNow = async (epoch: number) => {
      const evalStart = performance.now();
      hooks.onPhase?.('evaluating');
      const val = await evaluateStudent(curveVal ?? data.val);
      const test = await evaluateStudent(curveTest ?? data.test);
      const point: EvalPoint = {
        step,
        epoch,
        trainAccuracy: epochSeen > 0 ? epochCorrect / epochSeen : 0,
        valAccuracy: val.accuracy,
        testAccuracy: test.accuracy,
      };
      if (peerModel) {
        const peerVal = await evaluateModel(peerModel, curveVal ?? data.val, numClasses, evalBatchSize);
        const peerTest = await evaluateModel(peerModel, curveTest ?? data.test, numClasses, evalBatchSize);
        point.peer = { trainAccuracy: epochSeen > 0 ? peerEpochCorrect / epochSeen : 0, valAccuracy: peerVal.accuracy, testAccuracy: peerTest.accuracy };
      }
      const n = Math.max(sinceEval.count, 1);
      const { peer: peerPoint, ...studentPoint } = point;
      const entry: HistoryEntry = {
        ...studentPoint,
        ce: sinceEval.ce / n,
        kd: sinceEval.kd / n,
        total: sinceEval.total / n,
        terms: Object.fromEntries(chartTermIds.map((id) => [id, sinceEval.terms[id] / n])),
      };
      if (peerPoint) entry.peer = { ...peerPoint, ce: sinceEval.peer.ce / n, kd: sinceEval.peer.kd / n, total: sinceEval.peer.total / n };
      history.push(entry);
      sinceEval = emptyTotals();
      epochCorrect = 0;
      peerEpochCorrect = 0;
      epochSeen = 0;
      hooks.onEval?.(point);
      hooks.onPhase?.('training');
      evalMs += performance.now() - evalStart;
    };

    hooks.onPhase?.('training');
    try {
      const epochCount = Math.ceil(totalSteps / stepsPerEpoch);
      training: for (let epoch = 0; epoch < epochCount; epoch++) {
        const order = permutation(data.train.count, batchRng);
        for (let b = 0; b < stepsPerEpoch && step < totalSteps; b++) {
          if (control.isPaused) {
            if (!(await flush())) break training;
            hooks.onPaused?.(step);
            await control.waitWhilePaused();
          }
          if (control.isStopped || control.isFinishing) break training;
          const changed = control.takeKnobs();
          if (changed) {
            const before = terms;
            terms = applyKnobs(terms, changed);
            // Reported with the step about to be trained: the page marks the chart where the change took effect.
            const change = changedKnobs(before, terms, step + 1);
            if (change) {
              knobChanges.push(change);
              hooks.onKnobs?.(change);
            }
          }
          const stepStart = performance.now();
          setLearningRate(optimizer, learningRateAt(config, step, totalSteps));
          if (peer) setLearningRate(peer.optimizer as SgdLike, learningRateAt(config, step, totalSteps));
          const mix = mixAt(terms, epoch + b / stepsPerEpoch, horizonEpochs);
          const metrics = trainStep(stepContext, order.subarray(b * batchSize, (b + 1) * batchSize), { mix });
          ema?.update();
          step++;
          pending.push({ step, epoch, metrics });
          trainMs += performance.now() - stepStart;
          if (pending.length >= flushEverySteps || performance.now() - lastFlush >= flushEveryMs) {
            const flushStart = performance.now();
            const ok = await flush();
            trainMs += performance.now() - flushStart;
            if (!ok) break training;
            hooks.onProgress?.(step, totalSteps, epoch);
          }
          // Every evalEvery steps and once at the end (on the final step's count).
          if (step % config.evalEvery === 0 || step === totalSteps) {
            if (!(await flush())) break training;
            await evaluateNow(step / stepsPerEpoch);
          }
        }
        if (!(await flush())) break;
        hooks.onProgress?.(step, totalSteps, Math.min(epoch + 1, totalEpochs));
      }
      if (!failure) await flush();
    } finally {
      for (const p of pending) disposeStepMetrics(p.metrics);
      pending = [];
    }

    const finalEvalStart = performance.now();
    if (!control.isStopped) hooks.onPhase?.('evaluating', `final scores on all ${data.val.count.toLocaleString('en')} val and ${data.test.count.toLocaleString('en')} test images`);
    // The caller gets (and exports) the model that was evaluated: with EMA on, the averaged weights.
    ema?.copyIntoModel();
    const final = await finalScores(
      { student, peer: peerModel, peerStudent: config.peerStudent ?? config.student, numClasses, evalBatchSize, ttaShift },
      data,
      control,
    );
    const { val, test, testTta, peerResult } = final;
    evalMs += performance.now() - finalEvalStart;
    const seconds = (performance.now() - started) / 1000;
    const result: RunResult = {
      config,
      status: failure ? 'error' : control.isStopped ? 'stopped' : 'done',
      error: failure,
      testAccuracy: test.accuracy,
      testMpa: test.mpa,
      testAccuracyTta: testTta ? testTta.accuracy : null,
      testMpaTta: testTta ? testTta.mpa : null,
      valAccuracy: val.accuracy,
      valMpa: val.mpa,
      perClassAccuracy: test.perClassAccuracy,
      confusion: test.confusion,
      history,
      samplesPerSecond: trainMs > 0 ? (step * batchSize) / (trainMs / 1000) : 0,
      seconds,
      trainSeconds: trainMs / 1000,
      evalSeconds: evalMs / 1000,
      steps: step,
      // An endless run's length is what it trained.
      totalSteps: endless ? step : totalSteps,
      backend: tf.getBackend(),
      teacherCached: teacherCache !== null || teacherOutputsCache !== null,
      studentParameters: student.countParams(),
      terms: plan.terms,
      labelledCount,
    };
    if (knobChanges.length > 0) result.knobChanges = knobChanges;
    if (peerResult) result.peer = peerResult;
    if (final.scoredOn) result.scoredOn = final.scoredOn;
    return result;
  } finally {
    disposeSplit(curveVal);
    disposeSplit(curveTest);
    teacherCache?.dispose();
    if (teacherOutputsCache) tf.dispose(teacherOutputsCache);
    labelled?.dispose();
    ema?.dispose();
    plan.dispose();
    disposeOptimizer(optimizer);
    if (peer) disposeOptimizer(peer.optimizer as SgdLike);
    if (peerOwned) peerModel?.dispose();
  }
}

