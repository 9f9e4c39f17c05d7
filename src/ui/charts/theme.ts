// The charts' colours, as the page's custom properties (src/ui/styles.css): each theme sets its
// own values, so a line, its legend swatch and its tooltip follow the light or the dark theme.
import type { CSSProperties } from 'react';

const css = (name: string) => `var(--${name})`;

export const SERIES_COLOURS = {
  ce: css('series-ce'),
  kd: css('series-kd'),
  total: css('series-total'),
  train: css('series-train'),
  val: css('series-kd'),
  test: css('series-total'),
};

/** Colours of a recipe's terms after the first (which keeps the kd colour). */
export const TERM_COLOURS = [1, 2, 3, 4, 5, 6, 7].map((i) => css(`term-${i}`));

/** One colour per configuration on the Compare page. */
export const RUN_COLOURS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => css(`run-${i}`));

export const CHART = {
  grid: css('chart-grid'),
  axis: css('chart-axis'),
  /** Marks: knob changes, the teacher's accuracy. */
  mark: css('chart-mark'),
  tick: { fontSize: 12, fill: css('chart-tick') },
};

export const TOOLTIP_STYLE: CSSProperties = {
  background: css('panel'),
  border: `1px solid ${css('border')}`,
  borderRadius: 6,
  color: css('text'),
};
