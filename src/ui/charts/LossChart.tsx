import { memo, useDeferredValue, useId, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { setSmoothLoss } from '../../state/actions';
import { useLab } from '../../state/store';
import type { LossRow } from '../../state/lossSeries';
import { ChartLegend } from './Legend';
import { niceTicks, stepAxis } from './ticks';

export const SERIES_COLOURS = { ce: '#3b6fd8', kd: '#d9822b', total: '#2f9e6e', train: '#8a63d2', val: '#d9822b', test: '#2f9e6e' };

const LEGEND = [
  { label: 'ce (hard labels)', colour: SERIES_COLOURS.ce },
  { label: 'kd (distillation)', colour: SERIES_COLOURS.kd },
  { label: 'total', colour: SERIES_COLOURS.total },
];

const formatLoss = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));

/** Tick labels with as many decimals as the tick spacing needs (0, 5, 10 or 0.02, 0.04). */
function tickFormatter(ticks: readonly number[]): (v: number) => string {
  const spacing = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
  const decimals = Math.min(6, Math.max(0, -Math.floor(Math.log10(spacing) + 1e-9)));
  return (v: number) => v.toFixed(decimals);
}

export function LossChart() {
  // Deferred: the chart redraws in an interruptible background render, so it never blocks input.
  const rows = useDeferredValue(useLab((s) => s.run.lossRows));
  const smooth = useDeferredValue(useLab((s) => s.ui.smoothLoss));
  const toggleId = useId();
  return (
    <section className="panel chart-panel" aria-label="Loss per step">
      <div className="chart-header">
        <h2>Loss</h2>
        <ChartLegend items={LEGEND} />
        <label className="toggle" htmlFor={toggleId}>
          <input id={toggleId} type="checkbox" data-testid="smooth-toggle" checked={smooth} onChange={(e) => setSmoothLoss(e.target.checked)} />
          Smoothed (EMA)
        </label>
      </div>
      <div className="chart" data-testid="loss-chart" data-points={rows.length}>
        {rows.length === 0 ? <p className="chart-empty">The hard-label CE, the distillation term and their weighted total appear here, step by step.</p> : null}
        <LossLines rows={rows} smooth={smooth} />
      </div>
    </section>
  );
}

const LossLines = memo(function LossLines({ rows, smooth }: { rows: LossRow[]; smooth: boolean }) {
  const suffix = smooth ? 'Smooth' : '';
  const { xAxis, yTicks, formatY } = useMemo(() => {
    let high = 0;
    for (const row of rows) high = Math.max(high, smooth ? row.totalSmooth : row.total, smooth ? row.ceSmooth : row.ce, smooth ? row.kdSmooth : row.kd);
    const first = rows[0]?.step ?? 0;
    const last = rows[rows.length - 1]?.step ?? 1;
    const yTicks = niceTicks(0, high || 1, 5);
    return { xAxis: stepAxis(first, last), yTicks, formatY: tickFormatter(yTicks) };
  }, [rows, smooth]);
  return (
    <ResponsiveContainer width="100%" height={260} initialDimension={{ width: 600, height: 260 }}>
      <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
        <CartesianGrid stroke="#e7e9ee" vertical={false} />
        <XAxis dataKey="step" type="number" domain={xAxis.domain} ticks={xAxis.ticks} tick={{ fontSize: 12 }} stroke="#9aa1ad" />
        <YAxis type="number" domain={[yTicks[0], yTicks[yTicks.length - 1]]} ticks={yTicks} tick={{ fontSize: 12 }} stroke="#9aa1ad" width={48} tickFormatter={formatY} />
        <Tooltip formatter={(v) => (typeof v === 'number' ? formatLoss(v) : String(v))} labelFormatter={(s) => `step ${s}`} isAnimationActive={false} />
        <Line type="linear" dataKey={`ce${suffix}`} name="ce" stroke={SERIES_COLOURS.ce} dot={false} strokeWidth={1.6} isAnimationActive={false} />
        <Line type="linear" dataKey={`kd${suffix}`} name="kd" stroke={SERIES_COLOURS.kd} dot={false} strokeWidth={1.6} isAnimationActive={false} />
        <Line type="linear" dataKey={`total${suffix}`} name="total" stroke={SERIES_COLOURS.total} dot={false} strokeWidth={2} isAnimationActive={false} />
      </LineChart>
    </ResponsiveContainer>
  );
});
