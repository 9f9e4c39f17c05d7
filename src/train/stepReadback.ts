// The per-step metrics the loop leaves on the device, read back in batches: one `await data()` of a
// stacked tensor every few steps or milliseconds, never one transfer per step (docs/ARCHITECTURE.md
// §3, run events are batched), decoded into the steps' chart points. A loss that is not finite ends
// the reading at its step: the run's failure.
import * as tf from '@tensorflow/tfjs-core';
import { disposeStepMetrics, readStepMetrics, stepMetricTensors, type StepMetrics } from './trainStep';
import type { RunResult, StepPoint } from './runTypes';

export const SUGGESTION_NAN =
  'The loss became NaN or infinite. Lower the learning rate (try ÷10), kd_ratio, the temperature or the weight decay, or switch to Adam.';

/** Why a run ended in error: the step whose loss was not finite, and what to try. */
export type RunFailure = NonNullable<RunResult['error']>;

/** One step as read back: its point for the charts, and its correct counts for the train accuracy. */
export interface ReadStep {
  point: StepPoint;
  correct: number;
  /** DML: the peer student's correct count; null without a peer. */
  peerCorrect: number | null;
}

interface Waiting {
  step: number;
  epoch: number;
  metrics: StepMetrics;
}

/** The steps trained since the last read, their metrics still on the device (owned here until read). */
export class PendingSteps {
  private waiting: Waiting[] = [];
  private lastRead = performance.now();

  /**
   * `termIds`: the plan's terms in order (a single term's value is the step's kd).
   * `every`: a read is due after this many steps or this many ms since the last one, whichever first.
   */
  constructor(
    private readonly termIds: readonly string[],
    private readonly every: { steps: number; ms: number },
  ) {}

  add(step: number, epoch: number, metrics: StepMetrics): void {
    this.waiting.push({ step, epoch, metrics });
  }

  get due(): boolean {
    return this.waiting.length >= this.every.steps || performance.now() - this.lastRead >= this.every.ms;
  }

  /**
   * Every waiting step read back in one transfer, its tensors freed: the steps up to the first
   * whose metrics are not all finite, and that step's failure.
   */
  async read(): Promise<{ steps: ReadStep[]; failure?: RunFailure }> {
    if (this.waiting.length === 0) return { steps: [] };
    const batch = this.waiting;
    this.waiting = [];
    const tensors = batch.map((waiting) => stepMetricTensors(waiting.metrics));
    const stacked = tf.tidy(() => tf.stack(tensors.flat()));
    const values = await stacked.data();
    stacked.dispose();
    // A macrotask turn, so a worker hears pause/stop: on the cpu backend data() resolves without one.
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    for (const waiting of batch) disposeStepMetrics(waiting.metrics);
    const steps: ReadStep[] = [];
    let failure: RunFailure | undefined;
    let offset = 0;
    for (let i = 0; i < batch.length; i++) {
      const row = values.subarray(offset, offset + tensors[i].length);
      const { ce, kd, total, correct, terms, rdrop, peer } = readStepMetrics(batch[i].metrics, values, offset);
      offset += tensors[i].length;
      const bad = row.find((value) => !Number.isFinite(value));
      if (bad !== undefined) {
        const { step } = batch[i];
        failure = { message: `Loss is ${Number.isNaN(bad) ? 'NaN' : 'infinite'} at step ${step}`, step, suggestion: SUGGESTION_NAN };
        break;
      }
      const termValues = terms.length > 0 ? terms : [kd];
      const point: StepPoint = { step: batch[i].step, epoch: batch[i].epoch, ce, kd, total, terms: {} };
      this.termIds.forEach((id, t) => (point.terms[id] = termValues[t]));
      if (rdrop !== null) point.terms.rdrop = rdrop;
      if (peer) point.peer = { ce: peer.ce, kd: peer.kd, total: peer.total };
      steps.push({ point, correct, peerCorrect: peer ? peer.correct : null });
    }
    this.lastRead = performance.now();
    return failure ? { steps, failure } : { steps };
  }

  /** Free the metrics of steps never read (a run that threw, or failed with steps waiting). */
  dispose(): void {
    for (const waiting of this.waiting) disposeStepMetrics(waiting.metrics);
    this.waiting = [];
  }
}
