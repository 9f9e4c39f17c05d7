// Per-step loss terms kept outside React: appended in batches, smoothed incrementally (a
// debiased exponential moving average, as TensorBoard draws it) and decimated for the chart.
import type { StepPoint } from '../train/runTypes';

export const LOSS_TERMS = ['ce', 'kd', 'total'] as const;
export type LossTerm = (typeof LOSS_TERMS)[number];

export interface LossRow {
  step: number;
  ce: number;
  kd: number;
  total: number;
  ceSmooth: number;
  kdSmooth: number;
  totalSmooth: number;
  /** Each distillation term by method id (StepPoint.terms), raw and smoothed: one chart line each. */
  terms: Record<string, number>;
  termsSmooth: Record<string, number>;
  /** DML: the peer student's ce, kd and total, raw and smoothed. */
  peer?: Record<LossTerm, number>;
  peerSmooth?: Record<LossTerm, number>;
}

/** A debiased exponential moving average per named series. */
class Smoother {
  private ema = new Map<string, number>();

  next(name: string, value: number, weight: number): number {
    const ema = SMOOTHING * (this.ema.get(name) ?? 0) + (1 - SMOOTHING) * value;
    this.ema.set(name, ema);
    return ema / weight;
  }
}

export const SMOOTHING = 0.85;

export class LossSeries {
  private rows: LossRow[] = [];
  private weight = 0;
  private smoother = new Smoother();

  get length(): number {
    return this.rows.length;
  }

  push(points: readonly StepPoint[]): void {
    for (const point of points) {
      // Debiasing: the first points are not dragged towards the EMA's zero start.
      this.weight = SMOOTHING * this.weight + (1 - SMOOTHING);
      const smooth = {} as Record<LossTerm, number>;
      for (const term of LOSS_TERMS) smooth[term] = this.smoother.next(term, point[term], this.weight);
      const terms = { ...point.terms };
      const termsSmooth: Record<string, number> = {};
      for (const [id, value] of Object.entries(terms)) termsSmooth[id] = this.smoother.next(`term.${id}`, value, this.weight);
      const row: LossRow = {
        step: point.step,
        ce: point.ce,
        kd: point.kd,
        total: point.total,
        ceSmooth: smooth.ce,
        kdSmooth: smooth.kd,
        totalSmooth: smooth.total,
        terms,
        termsSmooth,
      };
      if (point.peer) {
        const peer = point.peer;
        row.peer = { ...peer };
        row.peerSmooth = { ce: this.smoother.next('peer.ce', peer.ce, this.weight), kd: this.smoother.next('peer.kd', peer.kd, this.weight), total: this.smoother.next('peer.total', peer.total, this.weight) };
      }
      this.rows.push(row);
    }
  }

  /** At most `maxPoints` rows: every k-th row, always ending with the newest one. */
  view(maxPoints: number): LossRow[] {
    const n = this.rows.length;
    if (n <= maxPoints) return this.rows.slice();
    const stride = Math.ceil(n / maxPoints);
    const out: LossRow[] = [];
    for (let i = (n - 1) % stride; i < n; i += stride) out.push(this.rows[i]);
    return out;
  }

  clear(): void {
    this.rows = [];
    this.weight = 0;
    this.smoother = new Smoother();
  }
}
