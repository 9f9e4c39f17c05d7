// Per-step loss terms kept outside React: appended in batches, smoothed incrementally (a
// debiased exponential moving average, as TensorBoard draws it) and decimated for the chart.
import type { StepPoint } from '../train/runExperiment';

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
}

export const SMOOTHING = 0.85;

export class LossSeries {
  private rows: LossRow[] = [];
  private ema = { ce: 0, kd: 0, total: 0 };
  private weight = 0;

  get length(): number {
    return this.rows.length;
  }

  push(points: readonly StepPoint[]): void {
    for (const point of points) {
      // Debiasing: the first points are not dragged towards the EMA's zero start.
      this.weight = SMOOTHING * this.weight + (1 - SMOOTHING);
      const smooth = {} as Record<LossTerm, number>;
      for (const term of LOSS_TERMS) {
        this.ema[term] = SMOOTHING * this.ema[term] + (1 - SMOOTHING) * point[term];
        smooth[term] = this.ema[term] / this.weight;
      }
      this.rows.push({
        step: point.step,
        ce: point.ce,
        kd: point.kd,
        total: point.total,
        ceSmooth: smooth.ce,
        kdSmooth: smooth.kd,
        totalSmooth: smooth.total,
      });
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
    this.ema = { ce: 0, kd: 0, total: 0 };
    this.weight = 0;
  }
}
