// How long a run will take: its planned steps at the speed the last run of the same set-up
// measured on this backend (kept in localStorage), plus that set-up's one-time warm-up when it has
// not run yet in this page's worker. Before a first measurement it says so; nothing is guessed.
import { methodSpec, hasMethod } from '../kd/methods';
import { usesTeacher, type ExperimentConfig } from '../train/config';
import type { RunResult } from '../train/runTypes';
import { browserStorage, readRecord, writeRecord, type RecordStorage } from './storedRecords';

/** A run estimated above this many seconds says it is long (a class period has no room for it). */
export const LONG_RUN_SECONDS = 120;

export const RUN_SPEEDS_KEY = 'distillation-lab.run-speeds';

/** What one finished run measured, as the estimate of the next run of its set-up uses it. */
export interface RunSpeed {
  /** Once warm: the first steps of a set-up are slower (absent in speeds kept before it was measured). */
  samplesPerSecond: number;
  /** What a set-up's first run in a fresh worker pays once: its first steps and first curve point beyond the steady pace. */
  warmUpSeconds?: number;
  /** Wall time outside training steps and evaluations: set-up and the teacher-logit cache. */
  fixedSeconds: number;
  /** Wall time of one evaluation (a curve point or the final scores), on average. */
  secondsPerEval: number;
}

export type SpeedStorage = RecordStorage;

type SpeedConfig = Pick<ExperimentConfig, 'dataset' | 'student' | 'method' | 'terms' | 'augment'>;

/**
 * The set-up a speed belongs to: backend, dataset, student and the kind of method (a logit method
 * costs about the same whichever it is; layer methods and a peer student cost more). Augmentation
 * makes the teacher run on every batch instead of from its cache, so it is part of the key.
 */
export function speedKey(backend: string, config: SpeedConfig): string {
  const methods = config.terms ? config.terms.map((term) => term.method) : [config.method];
  const kinds = [...new Set(methods.map((id) => (hasMethod(id) ? methodSpec(id).kind : id)))].sort().join('+');
  const teacher = usesTeacher(config) ? (config.augment ? 'live-teacher' : 'cached-teacher') : 'no-teacher';
  return [backend, config.dataset, config.student, kinds, teacher].join('|');
}

/** The speed a run measured; null when it trained no step. */
export function measuredSpeed(result: RunResult): RunSpeed | null {
  if (result.steps <= 0 || !(result.samplesPerSecond > 0)) return null;
  const evalSeconds = result.evalSeconds ?? 0;
  const warmUp = result.warmUp ?? { trainSeconds: 0, evalSeconds: 0 };
  // Every curve point is in the history; the final scores on the whole splits are one more.
  const evaluations = result.history.length + 1;
  return {
    samplesPerSecond: result.steadySamplesPerSecond ?? result.samplesPerSecond,
    warmUpSeconds: warmUp.trainSeconds + warmUp.evalSeconds,
    fixedSeconds: Math.max(0, result.seconds - result.trainSeconds - evalSeconds),
    secondsPerEval: Math.max(0, evalSeconds - warmUp.evalSeconds) / evaluations,
  };
}

export function readSpeeds(storage: SpeedStorage): Record<string, RunSpeed> {
  return readRecord<RunSpeed>(storage, RUN_SPEEDS_KEY);
}

/** The speeds measured in this browser ({} where storage is blocked). */
export function browserSpeeds(): Record<string, RunSpeed> {
  const storage = browserStorage();
  return storage ? readSpeeds(storage) : {};
}

/** The set-ups that have run in this page's worker: warm, their next run pays no warm-up. */
const warmSetUps = new Set<string>();

/** Whether a run of this set-up key has ended in this page's worker (its kernels are set up). */
export function isWarm(key: string): boolean {
  return warmSetUps.has(key);
}

/** A fresh worker (after a crash or a lost engine) sets its kernels up again. */
export function forgetWarmSetUps(): void {
  warmSetUps.clear();
}

/**
 * Keep what a finished run measured for the next estimate of its set-up (a full or blocked storage
 * is ignored). A warm run's warm-up is near 0: the set-up's last cold figure is kept.
 */
export function rememberRunSpeed(result: RunResult, storage: SpeedStorage | undefined = globalThis.localStorage): void {
  const speed = measuredSpeed(result);
  if (!speed) return;
  const key = speedKey(result.backend, result.config);
  const stored = readRecord<RunSpeed>(storage, RUN_SPEEDS_KEY)[key];
  if (isWarm(key) && stored?.warmUpSeconds !== undefined) speed.warmUpSeconds = stored.warmUpSeconds;
  warmSetUps.add(key);
  writeRecord(storage, RUN_SPEEDS_KEY, key, speed);
}

export interface RunEstimate {
  steps: number;
  /** null until a run of this set-up has been measured on this backend. */
  seconds: number | null;
  speed: RunSpeed | null;
}

/**
 * A run of `steps` steps: training at the measured speed, its evaluations, the fixed set-up, and
 * the set-up's warm-up unless it is `warm` (it has run in this worker already).
 */
export function estimateRun(config: Pick<ExperimentConfig, 'batchSize' | 'evalEvery'>, steps: number, speed: RunSpeed | undefined, warm = true): RunEstimate {
  if (!speed || !(speed.samplesPerSecond > 0)) return { steps, seconds: null, speed: null };
  const evaluations = Math.floor(steps / config.evalEvery) + (steps % config.evalEvery === 0 ? 0 : 1) + 1;
  const warmUp = warm ? 0 : (speed.warmUpSeconds ?? 0);
  const seconds = (steps * config.batchSize) / speed.samplesPerSecond + evaluations * speed.secondsPerEval + speed.fixedSeconds + warmUp;
  return { steps, seconds, speed };
}

/**
 * Several runs one after another (a comparison): each at the speed measured for its set-up, or,
 * when that is unknown, at a measured speed of another run of the same list (a scratch run needs
 * no teacher, so a distilled run's speed overstates its time a little). null: nothing measured.
 */
export function estimateRuns(runs: readonly { config: ExperimentConfig; steps: number }[], speeds: Readonly<Record<string, RunSpeed>>, backend: string): number | null {
  const known = runs.map((run) => speeds[speedKey(backend, run.config)]).find((speed) => speed !== undefined);
  if (!known) return null;
  // Each set-up pays its warm-up once, on its first run of the list, unless it has run here already.
  const started = new Set<string>();
  return runs.reduce((total, run) => {
    const key = speedKey(backend, run.config);
    const warm = isWarm(key) || started.has(key);
    started.add(key);
    return total + (estimateRun(run.config, run.steps, speeds[key] ?? known, warm).seconds ?? 0);
  }, 0);
}

/** A moment of a running run: when (ms) and how many steps it had trained. */
export interface ProgressSample {
  at: number;
  step: number;
}

/**
 * Seconds left of a running run, at the pace it has kept since `first` (curve points included,
 * as they come every evalEvery steps): null until it has moved 5 % of the way or for 2 seconds,
 * and for a run without an end (train until stopped).
 */
export function timeLeft(first: ProgressSample, now: ProgressSample, totalSteps: number): number | null {
  const steps = now.step - first.step;
  const seconds = (now.at - first.at) / 1000;
  if (!Number.isFinite(totalSteps) || steps <= 0 || (seconds < 2 && steps < 0.05 * totalSteps)) return null;
  return Math.max(0, ((totalSteps - now.step) * seconds) / steps);
}

/** Where the wall time of a whole comparison is kept, by what it ran (comparisonKey): its next estimate. */
export const COMPARISON_TIMES_KEY = 'distillation-lab.comparison-times';

/**
 * A comparison's identity for its remembered time: backend, its entries' count and the
 * configuration of each group (seed aside), as comparisonEntries queues them.
 */
export function comparisonKey(backend: string, entries: readonly { kind: string; group: string; config: ExperimentConfig }[]): string {
  const configs = [...new Map(entries.filter((entry) => entry.kind === 'student').map((entry) => [entry.group, entry.config])).values()];
  return [backend, entries.length, ...configs.map((config) => JSON.stringify({ ...config, seed: 0 }))].join('|');
}

/** The time a comparison of this key took last, in seconds, or null. */
export function rememberedComparison(storage: SpeedStorage | undefined, key: string): number | null {
  const seconds = readRecord<unknown>(storage, COMPARISON_TIMES_KEY)[key];
  return typeof seconds === 'number' ? seconds : null;
}

/** Keep a finished comparison's wall time (the per-run estimate missed its per-run costs by 2–3×: saving, whole-split curve points). */
export function rememberComparison(storage: SpeedStorage | undefined, key: string, seconds: number): void {
  writeRecord(storage, COMPARISON_TIMES_KEY, key, seconds);
}

/** "45 s", "3 min 5 s". */
export function formatDuration(seconds: number): string {
  const rounded = Math.max(1, Math.round(seconds));
  if (rounded < 60) return `${rounded} s`;
  const minutes = Math.floor(rounded / 60);
  const rest = rounded % 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

/** The sentence shown next to Start. */
export function estimateText(estimate: RunEstimate, backend: string): string {
  const steps = `${estimate.steps.toLocaleString('en')} steps`;
  if (estimate.seconds === null || !estimate.speed) return `Time to expect: unknown until the first run of this set-up on ${backend} (${steps}).`;
  const speed = `${Math.round(estimate.speed.samplesPerSecond).toLocaleString('en')} samples/s once warm, as the last such run measured`;
  const long = estimate.seconds > LONG_RUN_SECONDS ? ` Longer than ${LONG_RUN_SECONDS / 60} minutes: fewer epochs or fewer training images shorten it.` : '';
  return `Time to expect: about ${formatDuration(estimate.seconds)} on ${backend} (${steps} at ${speed}).${long}`;
}
