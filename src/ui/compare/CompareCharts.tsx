// Every run's curves overlaid, one colour per run: a loss (total, kd or ce) and test accuracy
// against the step. Legend entries are buttons: each hides or shows its run's lines.
import { formatPercent } from '../fields';
import { memo, useDeferredValue, useId, useMemo, useState } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { toggleHidden } from '../../state/compareActions';
import { useCompare, type CompareEntry } from '../../state/compare';
import { niceTicks, stepAxis } from '../charts/ticks';

/** Distinct, colour-blind-friendly-ish run colours (Tableau 10). */
export const RUN_COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

type LossKey = 'total' | 'kd' | 'ce';
const LOSS_OPTIONS: { value: LossKey; label: string }[] = [
  { value: 'total', label: 'total loss' },
  { value: 'kd', label: 'distillation loss (kd)' },
  { value: 'ce', label: 'hard-label loss (ce)' },
];
const Y_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];
const percent = (v: number) => `${Math.round(v * 100)}%`;

interface RunSeries {
  id: string;
  label: string;
  colour: string;
  hidden: boolean;
  entry: CompareEntry;
}

export function CompareCharts() {
  const entries = useDeferredValue(useCompare((s) => s.entries));
  const hidden = useCompare((s) => s.hidden);
  const [lossKey, setLossKey] = useState<LossKey>('total');
  const selectId = useId();
  const students = entries.filter((entry) => entry.kind === 'student');
  const series: RunSeries[] = students.map((entry, i) => ({ id: entry.id, label: entry.label, colour: RUN_COLOURS[i % RUN_COLOURS.length], hidden: hidden.includes(entry.id), entry }));
  const teacher = entries.find((entry) => entry.kind === 'teacher' && entry.teacher);
  const visible = series.filter((s) => !s.hidden);
  if (students.length === 0) return null;
  return (
    <section className="panel compare-charts" aria-labelledby="compare-curves-title">
      <div className="chart-header">
        <h2 id="compare-curves-title">Curves</h2>
        <label className="toggle" htmlFor={selectId}>
          Loss
          <select id={selectId} data-testid="compare-loss-select" value={lossKey} onChange={(e) => setLossKey(e.target.value as LossKey)}>
            {LOSS_OPTIONS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <RunLegend series={series} />
      <div className="compare-chart-grid">
        <figure className="compare-chart">
          <figcaption>{LOSS_OPTIONS.find((o) => o.value === lossKey)?.label} per step</figcaption>
          <div
            className="chart"
            data-testid="compare-loss-chart"
            data-lines={visible.filter((s) => s.entry.curves.loss.length > 0).map((s) => s.id).join(',')}
          >
            <LossLines series={visible} lossKey={lossKey} />
          </div>
        </figure>
        <figure className="compare-chart">
          <figcaption>Test accuracy per evaluation{teacher ? ' (dashed: the teacher)' : ''}</figcaption>
          <div
            className="chart"
            data-testid="compare-accuracy-chart"
            data-lines={visible.filter((s) => s.entry.curves.evals.length > 0).map((s) => s.id).join(',')}
          >
            <AccuracyLines series={visible} teacherAccuracy={teacher?.teacher?.evaluation.testAccuracy ?? null} />
          </div>
        </figure>
      </div>
    </section>
  );
}

function RunLegend({ series }: { series: RunSeries[] }) {
  return (
    <ul className="compare-legend" aria-label="Runs (press to hide or show a run's curves)" data-testid="compare-legend">
      {series.map((s) => (
        <li key={s.id}>
          <button
            type="button"
            className={s.hidden ? 'legend-button legend-hidden' : 'legend-button'}
            aria-pressed={!s.hidden}
            data-testid="compare-legend-item"
            data-run={s.id}
            title={s.hidden ? `Show ${s.label}` : `Hide ${s.label}`}
            onClick={() => toggleHidden(s.id)}
          >
            <span className="legend-swatch" style={{ background: s.colour }} aria-hidden="true" />
            {s.label}
          </button>
        </li>
      ))}
    </ul>
  );
}

const LossLines = memo(function LossLines({ series, lossKey }: { series: RunSeries[]; lossKey: LossKey }) {
  const { xAxis, yTicks } = useMemo(() => {
    let high = 0;
    let last = 1;
    for (const s of series) {
      for (const point of s.entry.curves.loss) {
        if (Number.isFinite(point[lossKey])) high = Math.max(high, point[lossKey]);
        last = Math.max(last, point.step);
      }
    }
    return { xAxis: stepAxis(0, last), yTicks: niceTicks(0, high || 1, 5) };
  }, [series, lossKey]);
  return (
    <ResponsiveContainer width="100%" height={260} initialDimension={{ width: 560, height: 260 }}>
      <LineChart margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
        <CartesianGrid stroke="#e7e9ee" vertical={false} />
        <XAxis dataKey="step" type="number" domain={xAxis.domain} ticks={xAxis.ticks} allowDuplicatedCategory={false} tick={{ fontSize: 12 }} stroke="#9aa1ad" />
        <YAxis type="number" domain={[yTicks[0], yTicks[yTicks.length - 1]]} ticks={yTicks} tick={{ fontSize: 12 }} stroke="#9aa1ad" width={48} />
        <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))} labelFormatter={(s) => `step ${s}`} isAnimationActive={false} />
        {series.map((s) => (
          <Line
            key={s.id}
            className="compare-line"
            data={s.entry.curves.loss}
            dataKey={lossKey}
            name={s.label}
            type="linear"
            stroke={s.colour}
            strokeWidth={1.6}
            dot={false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
});

const AccuracyLines = memo(function AccuracyLines({ series, teacherAccuracy }: { series: RunSeries[]; teacherAccuracy: number | null }) {
  const xAxis = useMemo(() => stepAxis(0, Math.max(1, ...series.flatMap((s) => s.entry.curves.evals.map((e) => e.step)))), [series]);
  return (
    <ResponsiveContainer width="100%" height={260} initialDimension={{ width: 560, height: 260 }}>
      <LineChart margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
        <CartesianGrid stroke="#e7e9ee" vertical={false} />
        <XAxis dataKey="step" type="number" domain={xAxis.domain} ticks={xAxis.ticks} allowDuplicatedCategory={false} tick={{ fontSize: 12 }} stroke="#9aa1ad" />
        <YAxis type="number" domain={[0, 1]} ticks={Y_TICKS} tickFormatter={percent} tick={{ fontSize: 12 }} stroke="#9aa1ad" width={48} />
        <Tooltip formatter={(v) => (typeof v === 'number' ? formatPercent(v) : String(v))} labelFormatter={(s) => `step ${s}`} isAnimationActive={false} />
        {teacherAccuracy !== null ? <ReferenceLine y={teacherAccuracy} stroke="#8a909c" strokeDasharray="5 4" ifOverflow="extendDomain" /> : null}
        {series.map((s) => (
          <Line
            key={s.id}
            className="compare-line"
            data={s.entry.curves.evals}
            dataKey="testAccuracy"
            name={s.label}
            type="linear"
            stroke={s.colour}
            strokeWidth={1.8}
            dot={{ r: 2.5 }}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
});
