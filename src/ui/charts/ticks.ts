// "Nice" axis ticks (1, 2, 5 × 10^k), computed here so recharts skips its arbitrary-precision
// tick search on every redraw of a live chart.
export function niceTicks(min: number, max: number, count = 5, integer = false): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max <= min) max = min + (integer ? 1 : Math.max(Math.abs(min) * 0.1, 1e-3));
  const rough = (max - min) / Math.max(count - 1, 1);
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const residual = rough / magnitude;
  let step = (residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1) * magnitude;
  if (integer) step = Math.max(1, Math.round(step));
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let value = first; value < max + step * 0.999; value += step) ticks.push(Number(value.toPrecision(12)));
  return ticks;
}

/** An x axis that ends at the newest point: nice ticks up to `last`, domain [first tick, last]. */
export function stepAxis(first: number, last: number): { domain: [number, number]; ticks: number[] } {
  const ticks = niceTicks(first, Math.max(last, first + 1), 6, true).filter((tick) => tick <= Math.max(last, first + 1));
  return { domain: [ticks[0] ?? first, Math.max(last, first + 1)], ticks };
}

/** Powers of ten from just below the smallest positive value to just above the largest. */
export function decadeTicks(lowPositive: number, high: number): number[] {
  if (!(lowPositive > 0 && Number.isFinite(lowPositive)) || !(high > 0)) return [0.1, 1, 10];
  const from = Math.floor(Math.log10(lowPositive));
  const to = Math.max(from + 1, Math.ceil(Math.log10(high)));
  const ticks: number[] = [];
  for (let exponent = from; exponent <= to; exponent++) ticks.push(10 ** exponent);
  return ticks;
}

/**
 * A loss as the chart's readouts and tooltip print it: 0 decimals from 100, 2 from 1, 3 below; a
 * value under 0.001 in two significant digits (AT's raw term is about 0.0004 at weight 1000, which
 * three decimals printed as 0.000 beside a total it clearly moved).
 */
export function formatLoss(v: number): string {
  const size = Math.abs(v);
  if (size >= 100) return v.toFixed(0);
  if (size >= 1) return v.toFixed(2);
  if (size >= 0.001 || v === 0 || !Number.isFinite(v)) return v.toFixed(3);
  return v.toExponential(1);
}
