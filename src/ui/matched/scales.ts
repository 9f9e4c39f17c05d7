// The matched view's colour scales (docs/ARCHITECTURE.md §4.6): a perceptually ordered sequential
// scale (viridis' anchors) for maps and relation matrices, and a diverging one (blue, white, red)
// around 0 for a signed difference; a grid becomes RGB pixels in [0, 1] for bitmapUrl, one shared
// range per pair, and is described in words for a screen reader.
import type { Grid } from '../../worker/protocol';
import type { Rgb } from '../colour';

const SEQUENTIAL: readonly Rgb[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
const DIVERGING: readonly Rgb[] = [
  [33, 102, 172],
  [247, 247, 247],
  [178, 24, 43],
];

export type ScaleKind = 'sequential' | 'diverging';

/** The colour of `t` in [0, 1] along a scale's anchors. */
export function scaleColour(kind: ScaleKind, t: number): Rgb {
  const anchors = kind === 'sequential' ? SEQUENTIAL : DIVERGING;
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (anchors.length - 1);
  const i = Math.min(anchors.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((c) => anchors[i][c] + (anchors[i + 1][c] - anchors[i][c]) * f) as unknown as Rgb;
}

/** Where `value` sits in `range` (0 at its low end, 1 at its high end; 0.5 for an empty range). */
export function rangePosition(value: number, [low, high]: readonly [number, number]): number {
  return high > low ? (value - low) / (high - low) : 0.5;
}

/** The grid as RGB pixels in [0, 1] (HWC), for bitmapUrl. */
export function gridPixels(grid: Grid, range: readonly [number, number], kind: ScaleKind): Float32Array {
  const out = new Float32Array(grid.rows * grid.columns * 3);
  for (let i = 0; i < grid.values.length; i++) {
    const [r, g, b] = scaleColour(kind, rangePosition(grid.values[i], range));
    out[3 * i] = r / 255;
    out[3 * i + 1] = g / 255;
    out[3 * i + 2] = b / 255;
  }
  return out;
}

/** A number as the legend and the descriptions print it: 3 significant digits, no "-0". */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0 || Object.is(value, -0)) return '0';
  const magnitude = Math.abs(value);
  return magnitude >= 1000 || magnitude < 0.001 ? value.toExponential(2) : value.toPrecision(3).replace(/\.?0+$/, '');
}

/** A map in words: its size, its values' span and where it is highest. */
export function describeMap(caption: string, grid: Grid): string {
  let best = 0;
  let low = Infinity;
  let high = -Infinity;
  grid.values.forEach((value, i) => {
    if (value > grid.values[best]) best = i;
    low = Math.min(low, value);
    high = Math.max(high, value);
  });
  const row = Math.floor(best / grid.columns) + 1;
  const column = (best % grid.columns) + 1;
  return `${caption}: ${grid.rows}×${grid.columns}, values ${formatValue(low)} to ${formatValue(high)}, highest at row ${row}, column ${column}.`;
}

/** Mean of a samples × samples matrix within the class blocks (off the diagonal) and between them. */
export function blockMeans(grid: Grid, labels: ArrayLike<number>): { within: number; between: number } {
  let within = 0;
  let withinCount = 0;
  let between = 0;
  let betweenCount = 0;
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.columns; c++) {
      if (r === c) continue;
      const value = grid.values[r * grid.columns + c];
      if (labels[r] === labels[c]) {
        within += value;
        withinCount++;
      } else {
        between += value;
        betweenCount++;
      }
    }
  }
  return { within: withinCount ? within / withinCount : NaN, between: betweenCount ? between / betweenCount : NaN };
}

/** A relation matrix in words: its size and, over samples, its mean within and between classes. */
export function describeRelation(caption: string, grid: Grid, columns: 'samples' | 'classes', labels: ArrayLike<number>): string {
  if (columns === 'classes') return `${caption}: ${grid.rows} test images (sorted by class) by ${grid.columns} classes.`;
  const { within, between } = blockMeans(grid, labels);
  return `${caption}: ${grid.rows}×${grid.columns} over test images sorted by class; mean ${formatValue(within)} within a class, ${formatValue(between)} between classes.`;
}
