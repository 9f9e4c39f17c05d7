// A plain HTML legend: cheaper than recharts' measured SVG legend on a chart that redraws live.
export function ChartLegend({ items }: { items: readonly { label: string; colour: string; dashed?: boolean }[] }) {
  return (
    <ul className="chart-legend" aria-label="Legend">
      {items.map((item) => (
        <li key={item.label}>
          <span
            className="legend-swatch"
            style={item.dashed ? { background: `repeating-linear-gradient(90deg, ${item.colour} 0 5px, transparent 5px 8px)` } : { background: item.colour }}
            aria-hidden="true"
          />
          {item.label}
        </li>
      ))}
    </ul>
  );
}
