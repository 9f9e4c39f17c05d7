// The running sums between two curve points: each step's losses and correct counts since the
// previous evaluation, turned at the next one into its history entry (the mean losses of those
// steps, the CLI's `history`, docs/ARCHITECTURE.md §4.3) and its train accuracy.
import type { EvalPoint, HistoryEntry } from './runTypes';
import type { ReadStep } from './stepReadback';

interface LossSums {
  ce: number;
  kd: number;
  total: number;
}

const zero = (): LossSums => ({ ce: 0, kd: 0, total: 0 });

export class MetricsAccumulator {
  private steps = 0;
  private samples = 0;
  private correct = 0;
  private peerCorrect = 0;
  private losses = zero();
  private peerLosses = zero();
  private terms: Record<string, number> = {};

  /** `chartTermIds`: the chart's term lines (each term's method id, and 'rdrop' when R-Drop is on). */
  constructor(private readonly chartTermIds: readonly string[]) {
    this.reset();
  }

  /** One step read back, trained on `samples` images. */
  add({ point, correct, peerCorrect }: ReadStep, samples: number): void {
    for (const [id, value] of Object.entries(point.terms)) {
      if (Object.hasOwn(this.terms, id)) this.terms[id] += value;
    }
    if (point.peer) {
      this.peerLosses = { ce: this.peerLosses.ce + point.peer.ce, kd: this.peerLosses.kd + point.peer.kd, total: this.peerLosses.total + point.peer.total };
    }
    if (peerCorrect !== null) this.peerCorrect += peerCorrect;
    this.losses.ce += point.ce;
    this.losses.kd += point.kd;
    this.losses.total += point.total;
    this.steps += 1;
    this.correct += correct;
    this.samples += samples;
  }

  /** The share of the images trained on since the last flush that the student classified right (0 before any). */
  get trainAccuracy(): number {
    return this.samples > 0 ? this.correct / this.samples : 0;
  }

  /** The same for DML's peer student. */
  get peerTrainAccuracy(): number {
    return this.samples > 0 ? this.peerCorrect / this.samples : 0;
  }

  /**
   * The history entry of the evaluation `point`: its accuracies with the mean losses of the steps
   * added since the last flush (the sums themselves when there were none); the sums then start again.
   */
  flush(point: EvalPoint): HistoryEntry {
    const n = Math.max(this.steps, 1);
    const { peer, ...studentPoint } = point;
    const entry: HistoryEntry = {
      ...studentPoint,
      ce: this.losses.ce / n,
      kd: this.losses.kd / n,
      total: this.losses.total / n,
      terms: Object.fromEntries(this.chartTermIds.map((id) => [id, this.terms[id] / n])),
    };
    if (peer) entry.peer = { ...peer, ce: this.peerLosses.ce / n, kd: this.peerLosses.kd / n, total: this.peerLosses.total / n };
    this.reset();
    return entry;
  }

  private reset(): void {
    this.steps = 0;
    this.samples = 0;
    this.correct = 0;
    this.peerCorrect = 0;
    this.losses = zero();
    this.peerLosses = zero();
    this.terms = Object.fromEntries(this.chartTermIds.map((id) => [id, 0]));
  }
}
