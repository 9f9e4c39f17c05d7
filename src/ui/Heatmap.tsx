// A matrix as an accessible table: row and column headers name the classes, every cell shows its
// number, and its background shows the same number as a shade of the accent colour.
import type { ReactNode } from 'react';

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
}

export function Heatmap({ caption, corner, rowNames, columnNames, values, format, intensity, describe, testId }: HeatmapProps) {
  return (
    <div className="heatmap-scroll">
      <table className="heatmap" data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="heatmap-corner">
              {corner}
            </th>
            {columnNames.map((name) => (
              <th key={name} scope="col">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {values.map((row, r) => (
            <tr key={rowNames[r] ?? r}>
              <th scope="row">{rowNames[r]}</th>
              {row.map((value, c) => {
                const shade = Math.min(1, Math.max(0, intensity(value, r, c)));
                return (
                  <td
                    key={c}
                    data-value={value}
                    className={r === c ? 'heatmap-diagonal' : undefined}
                    title={describe(value, r, c)}
                    style={{ background: `rgba(59, 111, 216, ${(0.04 + 0.86 * shade).toFixed(3)})`, color: shade > 0.55 ? '#fff' : undefined }}
                  >
                    {format(value)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
