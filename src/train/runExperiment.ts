// The training loop shared by the worker, the CLI and the tests.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { getMethod, resolveParams, termWeights, warmupEpochs, warmupFactor } from '../kd';
import { disposeSplit, selectSplit, type DeviceSplit } from '../data/device';
import { getArchitecture } from '../models/architectures';
import { createRng, deriveSeed, permutation } from '../core/rng';
import { CURVE_EVAL_SAMPLES, STOPPED_SCORE_SAMPLES, type DistillTerm, type ExperimentConfig, isMutual, usesTeacher, validateConfig } from './config';
import { RunControl, type KnobChange, type LiveKnobs } from './control';
import { cacheTeacherLogits, cacheTeacherOutputs, FEATURE_CACHE_BYTES, outputCacheBytes } from './teacherCache';
import { stepMetricTensors, disposeStepMetrics, trainStep, type PeerContext, type StepContext, type StepMetrics, type StepMix } from './trainStep';
import { buildDistillPlan, type DistillPlan } from './distillPlan';
import { evaluatePredictions } from './metrics';
import { evaluateModel, EvaluationInterrupted, predictWithTta, type Interruptible } from './evaluate';
import { WeightEma } from './ema';
import { createRDrop, type RDropContext } from './rdrop';
import type { EvalPoint, HistoryEntry, PeerResult, RunData, RunResult, StepPoint } from './runTypes';
import { plannedSteps } from './schedule';

export type { EvalPoint, HistoryEntry, PeerResult, RunData, RunResult, RunStatus, StepPoint } from './runTypes';

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

/** The split's first `count` samples as a new split, or null when it has no more than that. */
function firstSamples(split: DeviceSplit, count: number): DeviceSplit | null {
  return split.count > count ? selectSplit(split, Int32Array.from({ length: count }, (_, i) => i)) : null;
}

/** Adam reads `learningRate` on every step; momentum SGD reads a scalar that only setLearningRate updates. */
type ScheduledOptimizer = tf.Optimizer & { learningRate: number };

function createOptimizer(config: ExperimentConfig): ScheduledOptimizer {
  return (config.optimizer === 'sgd' ? tf.train.momentum(config.lr, config.momentum) : tf.train.adam(config.lr)) as unknown as ScheduledOptimizer;
}

// Duck-typed: tfjs' Optimizer overrides instanceof, so every optimizer is "an SGDOptimizer".
type SgdLike = ScheduledOptimizer & { setLearningRate?: (learningRate: number) => void; c?: tf.Scalar };

function setLearningRate(optimizer: SgdLike, learningRate: number): void {
  if (optimizer.learningRate === learningRate) return;
  if (optimizer.setLearningRate) optimizer.setLearningRate(learningRate);
  else optimizer.learningRate = learningRate;
}

function disposeOptimizer(optimizer: SgdLike): void {
  optimizer.dispose();
  // tfjs' MomentumOptimizer.dispose() forgets the learning-rate scalar its SGD base class keeps.
  optimizer.c?.dispose();
}

function learningRateAt(config: ExperimentConfig, step: number, totalSteps: number): number {
  if (config.lrSchedule === 'cosine') return 0.5 * config.lr * (1 + Math.cos((Math.PI * step) / totalSteps));
  return config.lr;
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

/** The terms as the loop trains them now: the configuration's, with live knob changes applied. */
function applyKnobs(terms: DistillTerm[], changed: Partial<LiveKnobs>): DistillTerm[] {
  const next = terms.map((term) => ({ ...term, params: { ...term.params } }));
  if (next.length === 0) return next;
  // kd_ratio and plain parameter names go to the first term; "method.name" to that method's term.
  if (changed.kdRatio !== undefined) next[0].weight = changed.kdRatio;
  for (const [key, value] of Object.entries(changed.params ?? {})) {
    const dot = key.indexOf('.');
    const term = dot < 0 ? next[0] : next.find((t) => t.method === key.slice(0, dot));
    if (!term) throw new Error(`No term of method "${key.slice(0, dot)}" to set ${key} on`);
    const name = dot < 0 ? key : key.slice(dot + 1);
    term.params = resolveParams(getMethod(term.method), { ...term.params, [name]: value });
  }
  return next;
}

/**
 * What a knob change really changed: the first term's weight as kdRatio, each parameter whose value
 * differs (the first term's by name, another term's as "method.name"); null when nothing did.
 */
function changedKnobs(before: readonly DistillTerm[], after: readonly DistillTerm[], step: number): KnobChange | null {
  const change: KnobChange = { step };
  if (after.length > 0 && after[0].weight !== before[0].weight) change.kdRatio = after[0].weight;
  const params: Record<string, number> = {};
  after.forEach((term, i) => {
    for (const [name, value] of Object.entries(term.params)) {
      if (before[i].params[name] !== value) params[i === 0 ? name : `${term.method}.${name}`] = value;
    }
  });
  if (Object.keys(params).length > 0) change.params = params;
  return change.kdRatio !== undefined || change.params ? change : null;
}

/**
 * w_ce and each term's weight at this point of training (mixing.ts): the methods' mixing rules,
 * then the warm-up ramp of a method with warm-up parameters (DKD): min(epoch / length, 1), epoch
 * being the fractional number of epochs completed before the step and the length a share of the
 * run's `totalEpochs` (or a fixed number of epochs when the term asks for one).
 */
export function mixAt(terms: readonly DistillTerm[], epoch: number, totalEpochs: number): StepMix {
  const weights = termWeights(terms.map((term) => ({ mixing: getMethod(term.method).mixing, weight: term.weight })));
  return {
    ce: weights.ce,
    terms: terms.map((term, i) => {
      const ramps = getMethod(term.method).params.some((p) => p.name === 'warmupFraction');
      const warmup = ramps ? warmupFactor(epoch, warmupEpochs(term.params, totalEpochs)) : 1;
      return { weight: weights.terms[i] * warmup, params: term.params };
    }),
  };
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
  const extraProblem = validateConfig(config).find((problem) => ['ttaShift', 'emaDecay', 'rdropAlpha'].includes(problem.field));
  if (extraProblem) throw new Error(extraProblem.message);
  const ttaShift = config.ttaShift ?? 0;
  const rdropAlpha = config.rdropAlpha ?? 0;
  const stepsPerEpoch = Math.floor(data.train.count / batchSize); // drop the last partial batch: fixed shapes
  const totalSteps = plannedSteps(config, stepsPerEpoch);
  const totalEpochs = totalSteps / stepsPerEpoch;
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
  let knobs = { kdRatio: config.kdRatio, params: terms[0]?.params ?? resolveParams(getMethod(config.method), config.params) };
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
  let stoppedVal: DeviceSplit | null = null;
  let stoppedTest: DeviceSplit | null = null;

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
        const row = Array.from(values.subarray(offset, offset + tensors[i].length));
        offset += tensors[i].length;
        const [ce, kd, total, correct] = row;
        const termValues = termIds.length > 1 ? row.slice(4, 4 + termIds.length) : [kd];
        const rdropValue = batch[i].metrics.rdrop ? row[4 + (termIds.length > 1 ? termIds.length : 0)] : null;
        const peerValues = batch[i].metrics.peer ? row.slice(row.length - 4) : null;
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
          point.peer = { ce: peerValues[0], kd: peerValues[1], total: peerValues[2] };
          sinceEval.peer = { ce: sinceEval.peer.ce + peerValues[0], kd: sinceEval.peer.kd + peerValues[1], total: sinceEval.peer.total + peerValues[2] };
          peerEpochCorrect += peerValues[3];
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
          if (control.isStopped) break training;
          const changed = control.takeKnobs();
          if (changed) {
            const before = terms;
            terms = applyKnobs(terms, changed);
            knobs = { kdRatio: changed.kdRatio ?? knobs.kdRatio, params: terms[0]?.params ?? knobs.params };
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
          const mix = mixAt(terms, epoch + b / stepsPerEpoch, totalEpochs);
          const metrics = trainStep(stepContext, order.subarray(b * batchSize, (b + 1) * batchSize), { ...knobs, mix });
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
    /** The final numbers on val and test (a Stop during it throws EvaluationInterrupted). */
    const finalEvaluation = async (val: DeviceSplit, test: DeviceSplit, options: Interruptible) => {
      const valEval = await evaluateModel(student, val, numClasses, evalBatchSize, options);
      const testEval = await evaluateModel(student, test, numClasses, evalBatchSize, options);
      const tta = ttaShift > 0 ? evaluatePredictions(test.hostLabels, await predictWithTta(student, test, ttaShift, evalBatchSize, options), numClasses) : null;
      let peerNumbers: PeerResult | undefined;
      if (peerModel) {
        const peerVal = await evaluateModel(peerModel, val, numClasses, evalBatchSize, options);
        const peerTest = await evaluateModel(peerModel, test, numClasses, evalBatchSize, options);
        peerNumbers = {
          student: config.peerStudent ?? config.student,
          parameters: peerModel.countParams(),
          testAccuracy: peerTest.accuracy,
          testMpa: peerTest.mpa,
          valAccuracy: peerVal.accuracy,
          valMpa: peerVal.mpa,
        };
      }
      return { val: valEval, test: testEval, testTta: tta, peerResult: peerNumbers };
    };
    // A run that finished is scored on the whole splits, unless Stop is pressed meanwhile; a
    // stopped run (or one stopped during that evaluation) on the first STOPPED_SCORE_SAMPLES
    // images, so a Stop ends every phase within a second or two.
    let final: Awaited<ReturnType<typeof finalEvaluation>> | null = null;
    if (!control.isStopped) {
      try {
        final = await finalEvaluation(data.val, data.test, { interrupted: () => control.isStopped });
      } catch (error) {
        if (!(error instanceof EvaluationInterrupted)) throw error;
      }
    }
    const partial = final === null;
    if (final === null) {
      stoppedVal = firstSamples(data.val, STOPPED_SCORE_SAMPLES);
      stoppedTest = firstSamples(data.test, STOPPED_SCORE_SAMPLES);
      final = await finalEvaluation(stoppedVal ?? data.val, stoppedTest ?? data.test, {});
    }
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
      totalSteps,
      backend: tf.getBackend(),
      teacherCached: teacherCache !== null || teacherOutputsCache !== null,
      studentParameters: student.countParams(),
      terms: plan.terms,
      labelledCount,
    };
    if (knobChanges.length > 0) result.knobChanges = knobChanges;
    if (peerResult) result.peer = peerResult;
    if (partial && (stoppedVal || stoppedTest)) result.scoredOn = { val: (stoppedVal ?? data.val).count, test: (stoppedTest ?? data.test).count };
    return result;
  } finally {
    disposeSplit(curveVal);
    disposeSplit(curveTest);
    disposeSplit(stoppedVal);
    disposeSplit(stoppedTest);
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

