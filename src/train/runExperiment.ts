// The training loop shared by the worker, the CLI and the tests.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { applyKnobs, changedKnobs, knobsAt, startTerms, type LiveTerms } from './liveTerms';
import { learningRateAt, setLearningRate } from './optimizers';
import { createRng, deriveSeed, permutation } from '../core/rng';
import { type ExperimentConfig, usesTeacher } from './config';
import { RunControl, type KnobChange } from './control';
import { trainStep } from './trainStep';
import type { DistillPlan } from './distillPlan';
import type { EvalPoint, HistoryEntry, RunData, RunResult, StepPoint } from './runTypes';
import { evalWarmUpSeconds, throughput, type WarmUpMark } from './throughput';
import { runLength, type RunLength } from './schedule';
import { PendingSteps, type RunFailure } from './stepReadback';
import { MetricsAccumulator } from './metricsAccumulator';
import { planRun, prepareTraining, type TrainingParts } from './trainingParts';
import { CurveScorer, finalScores, type FinalScores } from './runScoring';
import { windowOf, type RunWindow } from './runWindow';

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
  /**
   * The run's window (runWindow.ts), for looking inside between steps: opened once the plan is
   * built, before the teacher cache and the first step; closed just before the plan's learnable
   * parts are freed, when the caller copies what it keeps (keepWindow).
   */
  onWindowOpen?(window: RunWindow): void;
  onWindowClose?(window: RunWindow): void;
}

export interface RunOptions {
  config: ExperimentConfig;
  data: RunData;
  student: tfl.LayersModel;
  teacher: tfl.LayersModel | null;
  /**
   * DML's (UDML's) second student; when absent runExperiment builds config.peerStudent (default: the
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

/**
 * Train a student on a dataset already on the device, optionally distilling from a teacher. The
 * configuration is the one the trust boundary accepted for this transfer set (setUpRun:
 * validateConfig with the training set's size, docs/ARCHITECTURE.md §3); it is not checked again here.
 */
export async function runExperiment(options: RunOptions): Promise<RunResult> {
  const { config, data, student, hooks = {} } = options;
  const control = options.control ?? new RunControl();
  const teacher = usesTeacher(config) ? options.teacher : null;
  const { batchSize } = config;
  const length = runLength(config, data.train.count);
  const { stepsPerEpoch, totalSteps } = length;
  const evalBatchSize = options.evalBatchSize ?? 256;
  const started = performance.now();
  // Layer pairs and parameters are resolved and checked here: a refused pair fails before any training.
  const { plan, peer: peerModel, dispose: disposePlan } = planRun(config, student, teacher, options.peer, data.info);
  // From here the terms are resolved again only when a live knob changes them (liveTerms.ts).
  let terms = startTerms(config, plan.terms, length.horizonEpochs);
  const termIds = plan.terms.map((term) => term.method);
  const pending = new PendingSteps(termIds, { steps: options.flushEverySteps ?? 25, ms: options.flushEveryMs ?? 250 });
  // The chart lines: the terms, and R-Drop's KL when it is on.
  const sinceEval = new MetricsAccumulator((config.rdropAlpha ?? 0) > 0 ? [...termIds, 'rdrop'] : termIds);
  const batchRng = createRng(deriveSeed(config.seed, 'batches'));
  const history: HistoryEntry[] = [];
  const knobChanges: KnobChange[] = [];
  let failure: RunFailure | undefined;
  let step = 0;
  let trainMs = 0;
  let evalMs = 0;
  // The warm-up's end (the first read-back) and each curve point's time: the estimate's cold costs.
  let warm: WarmUpMark | undefined;
  const curveMs: number[] = [];
  const curves = new CurveScorer(data);
  let parts: TrainingParts | null = null;
  const runWindow = windowOf(plan, () => step, () => terms);
  try {
    hooks.onWindowOpen?.(runWindow);
    const onCaching = (detail?: string) => hooks.onPhase?.('caching-teacher', detail);
    parts = await prepareTraining({ ...options, teacher, peer: peerModel, plan, evalBatchSize, onCaching, stop: control });
    const { context, optimizer, peer, ema, dropout } = parts;
    const scored = { student, peer: peer?.model ?? null, numClasses: data.info.numClasses, evalBatchSize };
    const curveModels = { ...scored, ema };

    /** Read the waiting steps back in one transfer; false when a loss was not finite. */
    const flush = async (): Promise<boolean> => {
      const read = await pending.read();
      // The first read-back ends the warm-up: the kernels of every op of a step have run once.
      if (read.steps.length > 0) warm ??= { step, trainMs };
      for (const readStep of read.steps) sinceEval.add(readStep, batchSize);
      if (read.steps.length > 0) hooks.onSteps?.(read.steps.map((readStep) => readStep.point));
      failure ??= read.failure;
      return failure === undefined;
    };
    const evaluate = async (epoch: number) => {
      const evalStart = performance.now();
      hooks.onPhase?.('evaluating');
      const point = await curves.point(curveModels, step, epoch, sinceEval);
      history.push(sinceEval.flush(point));
      hooks.onEval?.(point);
      hooks.onPhase?.('training');
      curveMs.push(performance.now() - evalStart);
      evalMs += performance.now() - evalStart;
    };

    hooks.onPhase?.('training');
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
        terms = takeKnobs(terms, control, step + 1, (change) => {
          knobChanges.push(change);
          hooks.onKnobs?.(change);
        });
        const stepStart = performance.now();
        setLearningRate(optimizer, learningRateAt(config, step, totalSteps));
        if (peer) setLearningRate(peer.optimizer, learningRateAt(config, step, totalSteps));
        const knobs = knobsAt(terms, epoch + b / stepsPerEpoch);
        dropout?.beforeStep(step);
        const metrics = trainStep(context, order.subarray(b * batchSize, (b + 1) * batchSize), knobs);
        ema?.update();
        step++;
        pending.add(step, epoch, metrics);
        trainMs += performance.now() - stepStart;
        if (pending.due) {
          const flushStart = performance.now();
          const ok = await flush();
          trainMs += performance.now() - flushStart;
          if (!ok) break training;
          hooks.onProgress?.(step, totalSteps, epoch);
        }
        // Every evalEvery steps and once at the end (on the final step's count).
        if (step % config.evalEvery === 0 || step === totalSteps) {
          if (!(await flush())) break training;
          await evaluate(step / stepsPerEpoch);
        }
      }
      if (!(await flush())) break;
      hooks.onProgress?.(step, totalSteps, Math.min(epoch + 1, length.totalEpochs));
    }
    if (!failure) await flush();

    const finalEvalStart = performance.now();
    if (!control.isStopped) hooks.onPhase?.('evaluating', `final scores on all ${data.val.count.toLocaleString('en')} val and ${data.test.count.toLocaleString('en')} test images`);
    // The caller gets (and exports) the model that was evaluated: with EMA on, the averaged weights.
    ema?.copyIntoModel();
    const scores = await finalScores({ ...scored, peerStudent: config.peerStudent ?? config.student, ttaShift: config.ttaShift ?? 0 }, data, control);
    evalMs += performance.now() - finalEvalStart;
    const seconds = (performance.now() - started) / 1000;
    return runResult({ config, scores, parts, plan, student, length, step, failure, stopped: control.isStopped, history, knobChanges, trainMs, evalMs, seconds, warm, curveMs });
  } finally {
    hooks.onWindowClose?.(runWindow);
    pending.dispose();
    curves.dispose();
    parts?.dispose();
    disposePlan();
  }
}

/**
 * The knobs changed since the last step, applied to the terms (resolved again only then); a change
 * is reported with `nextStep`, where it takes effect (the page marks the chart there).
 */
function takeKnobs(terms: LiveTerms, control: RunControl, nextStep: number, report: (change: KnobChange) => void): LiveTerms {
  const changed = control.takeKnobs();
  if (!changed) return terms;
  const next = applyKnobs(terms, changed);
  const change = changedKnobs(terms, next, nextStep);
  if (change) report(change);
  return next;
}

/** What the loop and the final scores add up to. */
function runResult(run: {
  config: ExperimentConfig;
  scores: FinalScores;
  parts: TrainingParts;
  plan: DistillPlan;
  student: tfl.LayersModel;
  length: RunLength;
  step: number;
  failure: RunFailure | undefined;
  stopped: boolean;
  history: HistoryEntry[];
  knobChanges: KnobChange[];
  trainMs: number;
  evalMs: number;
  seconds: number;
  warm: WarmUpMark | undefined;
  curveMs: number[];
}): RunResult {
  const speed = throughput(run.step, run.config.batchSize, run.trainMs, run.warm);
  const { val, test, testTta, peerResult, scoredOn } = run.scores;
  const result: RunResult = {
    config: run.config,
    status: run.failure ? 'error' : run.stopped ? 'stopped' : 'done',
    error: run.failure,
    testAccuracy: test.accuracy,
    testMpa: test.mpa,
    testAccuracyTta: testTta ? testTta.accuracy : null,
    testMpaTta: testTta ? testTta.mpa : null,
    valAccuracy: val.accuracy,
    valMpa: val.mpa,
    perClassAccuracy: test.perClassAccuracy,
    confusion: test.confusion,
    history: run.history,
    samplesPerSecond: speed.samplesPerSecond,
    steadySamplesPerSecond: speed.steadySamplesPerSecond,
    warmUp: { trainSeconds: speed.warmUpSeconds, evalSeconds: evalWarmUpSeconds(run.curveMs) },
    seconds: run.seconds,
    trainSeconds: run.trainMs / 1000,
    evalSeconds: run.evalMs / 1000,
    steps: run.step,
    // An endless run's length is what it trained.
    totalSteps: run.length.endless ? run.step : run.length.totalSteps,
    backend: tf.getBackend(),
    teacherCached: run.parts.teacherCached,
    studentParameters: run.student.countParams(),
    terms: run.plan.terms,
    labelledCount: run.parts.labelledCount,
  };
  if (run.knobChanges.length > 0) result.knobChanges = run.knobChanges;
  if (peerResult) result.peer = peerResult;
  if (scoredOn) result.scoredOn = scoredOn;
  return result;
}
