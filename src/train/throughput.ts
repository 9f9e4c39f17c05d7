// How fast a run trained, with its warm-up apart: the first steps and the first evaluation of a
// set-up pay one-time costs (kernels compiled or set up, buffers allocated) that a second run of the
// same set-up in the same worker does not pay again. The page's time estimate adds them only to a
// run whose set-up has not run yet (docs/ARCHITECTURE.md §4).

/** Where the warm-up ends: the steps and training time when the first steps were read back. */
export interface WarmUpMark {
  step: number;
  trainMs: number;
}

export interface Throughput {
  /** Samples per second over every step. */
  samplesPerSecond: number;
  /** Samples per second after the warm-up mark (every step when there is none, or nothing after it). */
  steadySamplesPerSecond: number;
  /** Seconds the steps before the mark took beyond the steady speed (≥ 0). */
  warmUpSeconds: number;
}

export function throughput(steps: number, batchSize: number, trainMs: number, warm: WarmUpMark | undefined): Throughput {
  const samplesPerSecond = trainMs > 0 ? (steps * batchSize) / (trainMs / 1000) : 0;
  const after = warm ? steps - warm.step : 0;
  const afterMs = warm ? trainMs - warm.trainMs : 0;
  if (!warm || after <= 0 || afterMs <= 0) return { samplesPerSecond, steadySamplesPerSecond: samplesPerSecond, warmUpSeconds: 0 };
  const steadySamplesPerSecond = (after * batchSize) / (afterMs / 1000);
  const warmUpSeconds = Math.max(0, warm.trainMs / 1000 - (warm.step * batchSize) / steadySamplesPerSecond);
  return { samplesPerSecond, steadySamplesPerSecond, warmUpSeconds };
}

/**
 * The first evaluation's cost beyond the others' mean (≥ 0): its kernels are set up on first use.
 * 0 with fewer than two evaluations (nothing to compare with).
 */
export function evalWarmUpSeconds(evalMs: readonly number[]): number {
  if (evalMs.length < 2) return 0;
  const rest = evalMs.slice(1);
  const mean = rest.reduce((sum, ms) => sum + ms, 0) / rest.length;
  return Math.max(0, (evalMs[0] - mean) / 1000);
}
