// A matrix as an accessible table: row and column headers name the classes, every cell shows its
// number, and its background shows the same number as a shade between the panel colour and the
// theme's heat colour, with black or white text, whichever reads better on that shade.
import type { ReactNode } from 'react';
import { mix, textOn, toHex, useThemeColours } from './colour';
import { ScrollBox } from './ScrollBox';

interface HeatmapProps {
  caption: ReactNode;
  /** Header of the corner cell, e.g. "true \ predicted". */
  corner: string;
  rowNames: readonly string[];
  columnNames: readonly string[];
  values: readonly (readonly number[])[];
  format(value: number): string;
  /** Shade of a cell in [0, 1]. */
  intensity(value: number, row: number, column: number): number;
  /** What a cell means, for its tooltip and screen readers. */
  describe(value: number, row: number, column: number): string;
  testId: string;
  /** Names the box when it scrolls sideways (a narrow screen). */
  label: string;
}

/** The lightest shade is a trace of the heat colour, so a 0 cell still reads as a cell. */
const SHADE_FLOOR = 0.05;

export function Heatmap({ caption, corner, rowNames, columnNames, values, format, intensity, describe, testId, label }: HeatmapProps) {
  const theme = useThemeColours(['--panel', '--heat'] as const);
  return (
    <ScrollBox label={label} className="heatmap-scroll">
      <table className="heatmap" data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="heatmap-corner">
              {corner}
            </th>
            {columnNames.map((name) => (
              <th key={name} scope="col" title={name}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {values.map((row, r) => (
            <tr key={rowNames[r] ?? r}>
              <th scope="row" title={rowNames[r]}>
                {rowNames[r]}
              </th>
              {row.map((value, c) => {
                const shade = Math.min(1, Math.max(0, intensity(value, r, c)));
                const background = mix(theme['--panel'], theme['--heat'], SHADE_FLOOR + (1 - SHADE_FLOOR) * shade);
                return (
                  <td
                    key={c}
                    data-value={value}
                    className={r === c ? 'heatmap-diagonal' : undefined}
                    title={describe(value, r, c)}
                    style={{ background: toHex(background), color: toHex(textOn(background)) }}
                  >
                    {format(value)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollBox>
  );
}
