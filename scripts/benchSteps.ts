// The benchmark's measurement, shared by Node (scripts/bench.ts) and Chromium (scripts/benchPage.ts):
// samples/s of the real training step (src/train/trainStep.ts) as a student-only step, a KD step
// with the live teacher and a KD step with the cached teacher logits, on the current tfjs backend;
// and images/s of the lab's evaluation path (src/train/evaluate.ts predictClasses) on the student.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { getMethod, resolveParams } from '../src/kd';
import { getArchitecture, type InputShape } from '../src/models/architectures';
import { cacheTeacherLogits } from '../src/train/teacherCache';
import { createRng, permutation } from '../src/core/rng';
import { disposeStepMetrics, stepMetricTensors, trainStep, type StepContext, type StepKnobs, type StepMetrics } from '../src/train/trainStep';
import { knobsAt, startTerms } from '../src/train/liveTerms';
import { uploadSplit, type DeviceSplit } from '../src/data/device';
import { predictClasses } from '../src/train/evaluate';

export const VARIANTS = ['studentOnly', 'kdLive', 'kdCached'] as const;
export type Variant = (typeof VARIANTS)[number];

export interface BenchSetup {
  id: string;
  label: string;
  inputShape: InputShape;
  numClasses: number;
  student: string;
  teacher: string;
  batchSize: number;
  /** Random training samples on the device: the cache covers them all, batches are drawn from them. */
  trainCount: number;
}

export const SETUPS: Record<string, BenchSetup> = {
  mnist: {
    id: 'mnist',
    label: 'MNIST-shaped 28×28×1, teacher-cnn → tiny-cnn, batch 64',
    inputShape: [28, 28, 1],
    numClasses: 10,
    student: 'tiny-cnn',
    teacher: 'teacher-cnn',
    batchSize: 64,
    trainCount: 1024,
  },
  digits: {
    id: 'digits',
    label: 'Digits-shaped 8×8×1, teacher-cnn → tiny-cnn, batch 64',
    inputShape: [8, 8, 1],
    numClasses: 10,
    student: 'tiny-cnn',
    teacher: 'teacher-cnn',
    batchSize: 64,
    trainCount: 1024,
  },
};

export interface BenchOptions {
  setup: BenchSetup;
  /** Untimed steps of every variant first (shader compilation, buffer pools, JIT). */
  warmupSteps: number;
  /** Timed steps of one variant per round. */
  steps: number;
  /**
   * Rounds of (every variant, `steps` steps each) in rotating order: at least `minRounds`, then
   * more until `budgetSeconds` of timed rounds have passed or `maxRounds` is reached.
   */
  minRounds: number;
  maxRounds: number;
  budgetSeconds: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface VariantTiming {
  /** From the median round. */
  samplesPerSecond: number;
  msPerStep: number;
  fastestMsPerStep: number;
  /** ms per step of every round, in order. */
  roundMsPerStep: number[];
  /**
   * Device-to-host reads per training step, the bench's own batched read-back (one per 25 steps)
   * left out: 0 when the step itself reads nothing back (the loop's metrics stay on the device).
   */
  readbacksPerStep: number;
  /**
   * Node only: samples per second of this process's CPU time (median round). On a machine shared
   * with other work, wall time stretches with the load; CPU time of a single-threaded step barely does.
   */
  samplesPerCpuSecond?: number;
}

/** Batch size of the evaluation the bench times: what a run scores with (runExperiment's evaluateModel default). */
export const EVALUATION_BATCH = 256;

/**
 * The student's evaluation as a run scores it: predictClasses over the whole random split in
 * batches of EVALUATION_BATCH (forward, argmax, each batch's classes read back), one pass a round.
 */
export interface EvaluationTiming {
  /** Images of one pass: the bench's split. */
  images: number;
  batchSize: number;
  /** Untimed batches first (the first EVALUATION_BATCH images: every batch has that shape). */
  warmupBatches: number;
  rounds: number;
  /** From the median round. */
  imagesPerSecond: number;
  msPerPass: number;
  fastestMsPerPass: number;
  /** ms of every round's pass, in order. */
  roundMsPerPass: number[];
  /** Node only: images per second of this process's CPU time (median round). */
  imagesPerCpuSecond?: number;
}

export interface BackendBench {
  backend: string;
  setup: string;
  batchSize: number;
  studentParameters: number;
  teacherParameters: number;
  warmupSteps: number;
  steps: number;
  rounds: number;
  timings: Record<Variant, VariantTiming>;
  /**
   * Step-time ratios against the student-only step (>1: slower): the median over rounds of each
   * round's own ratio. Variants of one round run back to back, so load that other processes put
   * on a shared machine mostly cancels in the ratio, where it would not across rounds.
   */
  cachedOverStudentOnly: number;
  liveOverStudentOnly: number;
  /** Each round's cached / student-only ratio, in order. */
  roundCachedOverStudentOnly: number[];
  /** The 25th and 75th percentiles of those ratios: how much the machine's load spread them. */
  cachedRatioQuartiles: [number, number];
  /**
   * The work a cached KD step adds to a student-only step, timed alone over many repetitions:
   * gather the batch's cached logits, the KD loss and its gradient for the student's logits.
   */
  kdExtraMsPerStep: number;
  /** 1 + kdExtraMsPerStep / student-only ms per step: the cached/student ratio the extra work predicts. */
  predictedCachedOverStudentOnly: number;
  /** Tensors alive after the timed rounds minus before: 0 when nothing leaks. */
  tensorLeak: number;
  /** The student's evaluation, timed in its own rounds after the steps' (same round rule). */
  evaluation: EvaluationTiming;
}

/** Random images in [0, 1) and labels, uploaded like a real split. */
function randomSplit(setup: BenchSetup, seed: number): DeviceSplit {
  const rng = createRng(seed);
  const [h, w, c] = setup.inputShape;
  const pixels = new Float32Array(setup.trainCount * h * w * c);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng();
  const labels = new Int32Array(setup.trainCount);
  for (let i = 0; i < labels.length; i++) labels[i] = Math.floor(rng() * setup.numClasses);
  return uploadSplit({ images: pixels, labels, count: setup.trainCount }, [h, w, c]);
}

/** Let the event loop run (a page's load event, the driver's polling): cpu kernels never yield. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Linear-interpolated quantile, q in [0, 1]. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

const median = (values: number[]) => quantile(values, 0.5);

/**
 * ms per repetition of what a cached KD step adds to a student-only one: the gather of the
 * batch's cached teacher logits and the KD term with its gradient on the student's logits
 * (the student's own forward and backward are the same in both steps).
 */
async function timeKdExtraWork(teacherCache: tf.Tensor2D, setup: BenchSetup, knobs: StepKnobs): Promise<number> {
  const studentLogits = tf.randomNormal([setup.batchSize, setup.numClasses]) as tf.Tensor2D;
  const labels = tf.tensor1d(Array.from({ length: setup.batchSize }, (_, i) => i % setup.numClasses), 'int32');
  const indices = new Int32Array(setup.batchSize).map((_, i) => (i * 7) % teacherCache.shape[0]);
  const gradient = tf.grad((logits: tf.Tensor) => {
    const teacherLogits = tf.gather(teacherCache, tf.tensor1d(indices, 'int32')) as tf.Tensor2D;
    const kd = getMethod('kd').compute({ studentLogits: logits as tf.Tensor2D, teacherLogits, labels }, knobs.terms[0].params);
    return tf.mul(kd, knobs.kdRatio);
  });
  const block = async (repetitions: number): Promise<number> => {
    await yieldToEventLoop();
    const started = performance.now();
    let sum = tf.scalar(0);
    for (let i = 0; i < repetitions; i++) {
      const next = tf.tidy(() => tf.add(sum, tf.sum(gradient(studentLogits))));
      sum.dispose();
      sum = next as tf.Scalar;
    }
    await sum.data();
    sum.dispose();
    return (performance.now() - started) / repetitions;
  };
  try {
    await block(5); // warm-up: kernels compiled
    const blocks: number[] = [];
    for (let i = 0; i < 7; i++) blocks.push(await block(20));
    return median(blocks);
  } finally {
    studentLogits.dispose();
    labels.dispose();
  }
}

/**
 * Counts the backend's device-to-host reads (tfjs' `read` and `readSync`: every `data()`,
 * `dataSync()` or op that looks at values) until `stop`: a step that reads nothing back leaves the
 * count at the bench's own batched read-backs.
 */
function countReads(): { stop(): number } {
  const backend = tf.backend() as unknown as { read(...args: unknown[]): unknown; readSync(...args: unknown[]): unknown };
  const { read, readSync } = backend;
  let count = 0;
  // One read even where a backend's `read` calls its own `readSync` (wasm, cpu): outermost calls only.
  let depth = 0;
  const counted =
    (inner: (...args: unknown[]) => unknown) =>
    function (this: unknown, ...args: unknown[]) {
      if (depth === 0) count++;
      depth++;
      try {
        const out = inner.apply(this, args);
        return out instanceof Promise ? out.finally(() => depth--) : (depth--, out);
      } catch (error) {
        depth--;
        throw error;
      }
    };
  backend.read = counted(read);
  backend.readSync = counted(readSync);
  return {
    stop() {
      backend.read = read;
      backend.readSync = readSync;
      return count;
    },
  };
}

/** Read the steps' metrics back in one transfer, as runExperiment's flush does, then free them. */
async function readBack(metrics: StepMetrics[]): Promise<number> {
  if (metrics.length === 0) return 0;
  const stacked = tf.tidy(() => tf.stack(metrics.flatMap(stepMetricTensors)));
  const values = await stacked.data();
  stacked.dispose();
  for (const m of metrics) disposeStepMetrics(m);
  for (const value of values) if (!Number.isFinite(value)) throw new Error('benchmark step produced a non-finite loss');
  return values.length;
}

type CpuClock = (() => NodeJS.CpuUsage) | null;

/**
 * Images/s of predictClasses(student, split, EVALUATION_BATCH), the path a run's scores take: one
 * warm-up batch (kernels compiled for the batch's shape; a pass on SwiftShader's WebGPU takes over a
 * minute), then one pass a round, at least minRounds, more while budgetSeconds of passes last
 * (at most maxRounds), as the steps' rounds.
 */
async function timeEvaluation(student: tfl.LayersModel, split: DeviceSplit, options: BenchOptions, cpuClock: CpuClock): Promise<EvaluationTiming> {
  const pass = async (images: DeviceSplit): Promise<{ ms: number; cpuMs: number | null }> => {
    await yieldToEventLoop();
    const cpuStarted = cpuClock?.();
    const started = performance.now();
    const classes = await predictClasses(student, images, EVALUATION_BATCH);
    const ms = performance.now() - started;
    if (classes.length !== images.count) throw new Error(`evaluation predicted ${classes.length} of ${images.count} images`);
    const used = cpuStarted ? process.cpuUsage(cpuStarted) : null;
    return { ms, cpuMs: used ? (used.user + used.system) / 1000 : null };
  };
  const warmupBatches = 1;
  await pass({ ...split, count: Math.min(split.count, warmupBatches * EVALUATION_BATCH) });
  const roundMs: number[] = [];
  const roundCpuMs: number[] = [];
  const timedStart = performance.now();
  while (roundMs.length < options.minRounds || (roundMs.length < options.maxRounds && performance.now() - timedStart < options.budgetSeconds * 1000)) {
    const { ms, cpuMs } = await pass(split);
    roundMs.push(ms);
    if (cpuMs !== null) roundCpuMs.push(cpuMs);
  }
  const msPerPass = median(roundMs);
  return {
    images: split.count,
    batchSize: EVALUATION_BATCH,
    warmupBatches,
    rounds: roundMs.length,
    imagesPerSecond: (split.count * 1000) / msPerPass,
    msPerPass,
    fastestMsPerPass: Math.min(...roundMs),
    roundMsPerPass: roundMs,
    ...(roundCpuMs.length > 0 ? { imagesPerCpuSecond: (split.count * 1000) / median(roundCpuMs) } : {}),
  };
}

/** Time the three step variants, and the student's evaluation, on the backend tfjs is using now. */
export async function benchCurrentBackend(options: BenchOptions): Promise<BackendBench> {
  const { setup, warmupSteps, steps } = options;
  const seed = options.seed ?? 1;
  const log = options.log ?? (() => {});
  const backend = tf.getBackend();
  const train = randomSplit(setup, seed);
  const student: tfl.LayersModel = getArchitecture(setup.student, 'student').build(setup.inputShape, setup.numClasses, seed);
  const teacher: tfl.LayersModel = getArchitecture(setup.teacher, 'teacher').build(setup.inputShape, setup.numClasses, seed + 1);
  teacher.trainable = false;
  const optimizer = tf.train.adam(1e-3);
  const teacherCache = await cacheTeacherLogits(teacher, train, 256);
  const base: Omit<StepContext, 'teacher' | 'teacherCache' | 'methodId'> = {
    student,
    studentVariables: student.trainableWeights.map((w) => w.read() as tf.Variable),
    optimizer,
    train,
    numClasses: setup.numClasses,
    weightDecay: 0,
    augmentRng: null,
  };
  const contexts: Record<Variant, StepContext> = {
    studentOnly: { ...base, methodId: 'none', teacher: null, teacherCache: null },
    kdLive: { ...base, methodId: 'kd', teacher, teacherCache: null },
    kdCached: { ...base, methodId: 'kd', teacher, teacherCache },
  };
  // kd at kd_ratio 0.9 and T = 4, resolved once as the loop resolves a run's terms (liveTerms.ts).
  const kd = knobsAt(startTerms({ kdRatio: 0.9 }, [{ method: 'kd', params: resolveParams(getMethod('kd'), { temperature: 4 }) }], 1), 0);
  const knobs: Record<Variant, StepKnobs> = { studentOnly: { kdRatio: 0.9, terms: [] }, kdLive: kd, kdCached: kd };
  const batchRng = createRng(seed + 2);
  let order = permutation(setup.trainCount, batchRng);
  let cursor = 0;
  const nextBatch = (): Int32Array => {
    if (cursor + setup.batchSize > order.length) {
      order = permutation(setup.trainCount, batchRng);
      cursor = 0;
    }
    cursor += setup.batchSize;
    return order.subarray(cursor - setup.batchSize, cursor);
  };
  const cpuClock: CpuClock = typeof process !== 'undefined' && typeof process.cpuUsage === 'function' ? () => process.cpuUsage() : null;
  const perRoundCpu: Record<Variant, number[]> = { studentOnly: [], kdLive: [], kdCached: [] };
  const reads: Record<Variant, { reads: number; steps: number; own: number }> = { studentOnly: { reads: 0, steps: 0, own: 0 }, kdLive: { reads: 0, steps: 0, own: 0 }, kdCached: { reads: 0, steps: 0, own: 0 } };
  /** Run n steps of a variant and wait for the device; returns ms per step (and records CPU ms per step). */
  const runSteps = async (variant: Variant, n: number, timed = false): Promise<number> => {
    await yieldToEventLoop();
    const cpuStarted = cpuClock?.();
    const counter = timed ? countReads() : null;
    let own = 0;
    const started = performance.now();
    let pending: StepMetrics[] = [];
    for (let i = 0; i < n; i++) {
      pending.push(trainStep(contexts[variant], nextBatch(), knobs[variant]));
      if (pending.length >= 25) {
        await readBack(pending);
        own++;
        pending = [];
      }
    }
    if (pending.length > 0) own++;
    await readBack(pending);
    const ms = (performance.now() - started) / n;
    if (counter) {
      reads[variant].reads += counter.stop();
      reads[variant].own += own;
      reads[variant].steps += n;
    }
    if (timed && cpuClock && cpuStarted) {
      const used = process.cpuUsage(cpuStarted);
      perRoundCpu[variant].push((used.user + used.system) / 1000 / n);
    }
    return ms;
  };

  try {
    for (const variant of VARIANTS) {
      const ms = await runSteps(variant, warmupSteps);
      log(`  ${backend} warm-up ${variant}: ${ms.toFixed(0)} ms/step`);
    }
    const tensorsBefore = tf.memory().numTensors;
    const perRound: Record<Variant, number[]> = { studentOnly: [], kdLive: [], kdCached: [] };
    const timedStart = performance.now();
    let rounds = 0;
    while (rounds < options.minRounds || (rounds < options.maxRounds && performance.now() - timedStart < options.budgetSeconds * 1000)) {
      // Rotate the order so slow drift (a busy machine, thermal) hits every variant alike.
      const ordered = VARIANTS.map((_, i) => VARIANTS[(i + rounds) % VARIANTS.length]);
      for (const variant of ordered) perRound[variant].push(await runSteps(variant, steps, true));
      log(`  ${backend} round ${rounds + 1}: ` + VARIANTS.map((v) => `${v} ${perRound[v][rounds].toFixed(0)} ms`).join(', '));
      rounds++;
    }
    const tensorLeak = tf.memory().numTensors - tensorsBefore;
    const timing = (variant: Variant): VariantTiming => {
      const msPerStep = median(perRound[variant]);
      return {
        msPerStep,
        samplesPerSecond: (setup.batchSize * 1000) / msPerStep,
        fastestMsPerStep: Math.min(...perRound[variant]),
        roundMsPerStep: perRound[variant],
        readbacksPerStep: (reads[variant].reads - reads[variant].own) / Math.max(1, reads[variant].steps),
        ...(perRoundCpu[variant].length > 0 ? { samplesPerCpuSecond: (setup.batchSize * 1000) / median(perRoundCpu[variant]) } : {}),
      };
    };
    const timings = { studentOnly: timing('studentOnly'), kdLive: timing('kdLive'), kdCached: timing('kdCached') };
    const ratios = (variant: Variant) => perRound[variant].map((ms, round) => ms / perRound.studentOnly[round]);
    const roundCachedOverStudentOnly = ratios('kdCached');
    const kdExtraMsPerStep = await timeKdExtraWork(teacherCache, setup, kd);
    log(`  ${backend} the KD term's own work (gather cached logits, loss, gradient): ${kdExtraMsPerStep.toFixed(2)} ms`);
    log(`  ${backend} read-backs per step (the bench's own batched read left out): ` + VARIANTS.map((v) => `${v} ${timings[v].readbacksPerStep.toFixed(2)}`).join(', '));
    const evaluation = await timeEvaluation(student, train, options, cpuClock);
    log(`  ${backend} evaluation (predictClasses, batches of ${EVALUATION_BATCH}): ${evaluation.imagesPerSecond.toFixed(0)} images/s, ${evaluation.rounds} round(s) of ${evaluation.images} images`);
    return {
      backend,
      setup: setup.id,
      batchSize: setup.batchSize,
      studentParameters: student.countParams(),
      teacherParameters: teacher.countParams(),
      warmupSteps,
      steps,
      rounds,
      timings,
      cachedOverStudentOnly: median(roundCachedOverStudentOnly),
      liveOverStudentOnly: median(ratios('kdLive')),
      roundCachedOverStudentOnly,
      cachedRatioQuartiles: [quantile(roundCachedOverStudentOnly, 0.25), quantile(roundCachedOverStudentOnly, 0.75)],
      kdExtraMsPerStep,
      predictedCachedOverStudentOnly: 1 + kdExtraMsPerStep / timings.studentOnly.msPerStep,
      tensorLeak,
      evaluation,
    };
  } finally {
    teacherCache.dispose();
    optimizer.dispose();
    student.dispose();
    teacher.dispose();
    train.images.dispose();
    train.labels.dispose();
  }
}
