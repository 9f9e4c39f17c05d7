// Every configuration's curves overlaid, one colour per configuration: a loss (total, kd, ce, or
// ce and the distillation term on two axes) and test accuracy against the step. A configuration
// run over several seeds draws its mean with a min–max band. Legend entries are buttons: each
// hides or shows its configuration's lines; a curve that equals another's is dashed and named.
import { formatPercent } from '../fields';
import { memo, useDeferredValue, useId, useMemo, useState } from 'react';
import { Area, CartesianGrid, ComposedChart, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { toggleHidden } from '../../state/compareTable';
import { useCompare, type CompareEntry } from '../../state/compare';
import { sameCurve, seedBand, type BandPoint } from '../../state/results';
import { CHART, RUN_COLOURS, TOOLTIP_STYLE } from '../charts/theme';
import { niceTicks, stepAxis } from '../charts/ticks';
import { PictureButtons } from '../charts/PictureButtons';


type LossKey = 'total' | 'kd' | 'ce' | 'ce+kd';
const LOSS_OPTIONS: { value: LossKey; label: string }[] = [
  { value: 'total', label: 'total loss' },
  { value: 'kd', label: 'distillation loss (kd)' },
  { value: 'ce', label: 'hard-label loss (ce)' },
  { value: 'ce+kd', label: 'ce (left axis) and distillation term (right axis, dotted)' },
];
const FULL_RANGE_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];
const percent = (v: number) => `${Number((v * 100).toFixed(1))}%`;
/** A curve drawn over an identical one: dashed, so both colours show. */
const DUPLICATE_DASH = '7 5';

interface RunSeries {
  /** The configuration's group. */
  id: string;
  label: string;
  colour: string;
  hidden: boolean;
  entries: CompareEntry[];
  /** Mean (and band) of each curve across the group's seeds. */
  loss: Record<'total' | 'kd' | 'ce', BandPoint[]>;
  accuracy: BandPoint[];
  /** Whether the group has a distillation term to plot (the scratch baseline has none). */
  distills: boolean;
}

function bandOf(entries: readonly CompareEntry[], pick: (entry: CompareEntry) => { step: number; value: number }[]): BandPoint[] {
  return seedBand(entries.map(pick));
}

const hasBand = (points: readonly BandPoint[]) => points.some((point) => point.seeds >= 2);
const meanCurve = (points: readonly BandPoint[]) => points.map((point) => ({ step: point.step, value: point.mean }));

/** For each series, the earlier visible series whose curve it repeats (null when none). */
function duplicates(series: readonly RunSeries[], curveOf: (s: RunSeries) => BandPoint[]): (RunSeries | null)[] {
  return series.map((s, i) => series.slice(0, i).find((earlier) => sameCurve(meanCurve(curveOf(s)), meanCurve(curveOf(earlier)))) ?? null);
}

/** `accuracyFirst`: a race is about accuracy, so its chart comes first. */
export function CompareCharts({ accuracyFirst = false }: { accuracyFirst?: boolean } = {}) {
  const entries = useDeferredValue(useCompare((s) => s.entries));
  const hidden = useCompare((s) => s.hidden);
  const [lossKey, setLossKey] = useState<LossKey>('total');
  const [fullRange, setFullRange] = useState(false);
  const selectId = useId();
  const series: RunSeries[] = useMemo(() => {
    const groups = new Map<string, CompareEntry[]>();
    for (const entry of entries) if (entry.kind === 'student') groups.set(entry.group, [...(groups.get(entry.group) ?? []), entry]);
    return [...groups.entries()].map(([group, members], i) => {
      const loss = (key: 'total' | 'kd' | 'ce') => bandOf(members, (e) => e.curves.loss.map((p) => ({ step: p.step, value: p[key] })));
      return {
        id: group,
        label: members[0].label,
        colour: RUN_COLOURS[i % RUN_COLOURS.length],
        hidden: hidden.includes(group),
        entries: members,
        loss: { total: loss('total'), kd: loss('kd'), ce: loss('ce') },
        accuracy: bandOf(members, (e) => e.curves.evals.map((p) => ({ step: p.step, value: p.testAccuracy }))),
        distills: members[0].config.method !== 'none',
      };
    });
  }, [entries, hidden]);
  const teacher = entries.find((entry) => entry.kind === 'teacher' && entry.teacher);
  const visible = useMemo(() => series.filter((s) => !s.hidden), [series]);
  const primaryLoss = lossKey === 'ce+kd' ? 'ce' : lossKey;
  const sameLoss = useMemo(() => duplicates(visible, (s) => s.loss[primaryLoss]), [visible, primaryLoss]);
  const sameAccuracy = useMemo(() => duplicates(visible, (s) => s.accuracy), [visible]);
  const teacherAccuracy = teacher?.teacher?.evaluation.testAccuracy ?? null;
  const accuracyYAxis = useMemo(() => accuracyAxis(visible.flatMap((s) => s.accuracy.flatMap((point) => point.band)), fullRange), [visible, fullRange]);
  const teacherShown = teacherAccuracy !== null && teacherAccuracy >= accuracyYAxis.domain[0] && teacherAccuracy <= accuracyYAxis.domain[1];
  if (series.length === 0) return null;
  const notes = new Map<string, string>();
  visible.forEach((s, i) => {
    const loss = sameLoss[i];
    const accuracy = sameAccuracy[i];
    if (loss && accuracy && loss === accuracy) notes.set(s.id, `identical to “${loss.label}”`);
    else if (accuracy) notes.set(s.id, `same accuracy curve as “${accuracy.label}”`);
    else if (loss) notes.set(s.id, `same ${primaryLoss} curve as “${loss.label}”`);
  });
  const seeded = visible.some((s) => hasBand(s.accuracy) || hasBand(s.loss[primaryLoss]));
  return (
    <section className="panel compare-charts" aria-labelledby="compare-curves-title">
      <div className="chart-header">
        <h2 id="compare-curves-title">Curves</h2>
        <div className="button-row">
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
          <label className="toggle">
            <input type="checkbox" data-testid="compare-accuracy-full-range" checked={fullRange} onChange={(e) => setFullRange(e.target.checked)} />
            Accuracy axis 0–100 %
          </label>
        </div>
      </div>
      <RunLegend series={series} notes={notes} />
      {seeded ? (
        <p className="muted small" data-testid="compare-band-note">
          A configuration run over several seeds draws the mean of its seeds; the shaded band spans the lowest and the highest seed (min–max).
        </p>
      ) : null}
      <div className={accuracyFirst ? 'compare-chart-grid accuracy-first' : 'compare-chart-grid'}>
        <figure className="compare-chart">
          <figcaption>
            {LOSS_OPTIONS.find((o) => o.value === lossKey)?.label} per step{' '}
            <PictureButtons chartTestId="compare-loss-chart" title={`${LOSS_OPTIONS.find((o) => o.value === lossKey)?.label ?? 'Loss'} per step`} />
          </figcaption>
          <div
            className="chart"
            data-testid="compare-loss-chart"
            data-lines={visible.filter((s) => s.loss[primaryLoss].length > 0).map((s) => s.id).join(',')}
            data-bands={visible.filter((s) => hasBand(s.loss[primaryLoss])).map((s) => s.id).join(',')}
          >
            <LossLines series={visible} lossKey={lossKey} dashed={sameLoss.map((s) => s !== null)} />
          </div>
        </figure>
        <figure className="compare-chart">
          <figcaption>
            Test accuracy per evaluation
            {teacherAccuracy !== null ? (teacherShown ? ' (dashed grey: the teacher)' : ` (the teacher, ${formatPercent(teacherAccuracy)}, is off this axis)`) : ''}{' '}
            <PictureButtons chartTestId="compare-accuracy-chart" title="Test accuracy per evaluation" />
          </figcaption>
          <div
            className="chart"
            data-testid="compare-accuracy-chart"
            data-lines={visible.filter((s) => s.accuracy.length > 0).map((s) => s.id).join(',')}
            data-bands={visible.filter((s) => hasBand(s.accuracy)).map((s) => s.id).join(',')}
            data-y-domain={accuracyYAxis.domain.join(',')}
          >
            <AccuracyLines
              series={visible}
              teacherAccuracy={teacherShown ? teacherAccuracy : null}
              yAxis={accuracyYAxis}
              dashed={sameAccuracy.map((s) => s !== null)}
            />
          </div>
        </figure>
      </div>
    </section>
  );
}

function RunLegend({ series, notes }: { series: RunSeries[]; notes: ReadonlyMap<string, string> }) {
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
            {s.entries.length > 1 ? <span className="muted small"> ({s.entries.length} seeds)</span> : null}
          </button>
          {notes.has(s.id) ? (
            <span className="muted small legend-note" data-testid="compare-legend-identical">
              {' '}
              {notes.get(s.id)}, drawn dashed
            </span>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

const formatTooltip = (format: (v: number) => string) => (value: unknown) =>
  Array.isArray(value) ? `${format(Number(value[0]))} – ${format(Number(value[1]))}` : typeof value === 'number' ? format(value) : String(value);

/** One configuration's band (when it has two seeds or more) and mean line. */
function seriesShapes(s: RunSeries, points: BandPoint[], options: { yAxisId: string; dash?: string; width: number; dot: false | { r: number } }) {
  return [
    hasBand(points) ? (
      <Area
        key={`${s.id}-${options.yAxisId}-band`}
        className="compare-band"
        data={points}
        dataKey="band"
        yAxisId={options.yAxisId}
        name={`${s.label} (min–max over seeds)`}
        type="linear"
        stroke="none"
        fill={s.colour}
        fillOpacity={0.18}
        isAnimationActive={false}
        activeDot={false}
      />
    ) : null,
    <Line
      key={`${s.id}-${options.yAxisId}-line`}
      className="compare-line"
      data={points}
      dataKey="mean"
      yAxisId={options.yAxisId}
      name={s.entries.length > 1 ? `${s.label} (mean)` : s.label}
      type="linear"
      stroke={s.colour}
      strokeWidth={options.width}
      strokeDasharray={options.dash}
      dot={options.dot}
      isAnimationActive={false}
    />,
  ];
}

const LossLines = memo(function LossLines({ series, lossKey, dashed }: { series: RunSeries[]; lossKey: LossKey; dashed: boolean[] }) {
  const primary = lossKey === 'ce+kd' ? 'ce' : lossKey;
  const { xAxis, yTicks, kdTicks } = useMemo(() => {
    let high = 0;
    let kdHigh = 0;
    let last = 1;
    for (const s of series) {
      for (const point of s.loss[primary]) {
        if (Number.isFinite(point.band[1])) high = Math.max(high, point.band[1]);
        last = Math.max(last, point.step);
      }
      if (lossKey === 'ce+kd' && s.distills) for (const point of s.loss.kd) if (Number.isFinite(point.band[1])) kdHigh = Math.max(kdHigh, point.band[1]);
    }
    return { xAxis: stepAxis(0, last), yTicks: niceTicks(0, high || 1, 5), kdTicks: niceTicks(0, kdHigh || 1, 5) };
  }, [series, primary, lossKey]);
  return (
    <ResponsiveContainer width="100%" height={260} initialDimension={{ width: 560, height: 260 }}>
      <ComposedChart
        margin={{ top: 8, right: 16, bottom: 4, left: 0 }}
        accessibilityLayer={false}
        role="img"
        aria-label={`${LOSS_OPTIONS.find((o) => o.value === lossKey)?.label ?? lossKey} per step, one line per run: ${series.map((s) => s.label).join('; ') || 'none shown'}`}
      >
        <CartesianGrid stroke={CHART.grid} vertical={false} yAxisId="left" />
        <XAxis dataKey="step" type="number" domain={xAxis.domain} ticks={xAxis.ticks} allowDuplicatedCategory={false} tick={CHART.tick} stroke={CHART.axis} />
        <YAxis yAxisId="left" type="number" domain={[yTicks[0], yTicks[yTicks.length - 1]]} ticks={yTicks} tick={CHART.tick} stroke={CHART.axis} width={48} />
        {lossKey === 'ce+kd' ? (
          <YAxis
            yAxisId="right"
            orientation="right"
            type="number"
            domain={[kdTicks[0], kdTicks[kdTicks.length - 1]]}
            ticks={kdTicks}
            tick={CHART.tick}
            stroke={CHART.axis}
            width={48}
          />
        ) : null}
        <Tooltip formatter={formatTooltip((v) => v.toFixed(3))} labelFormatter={(s) => `step ${s}`} isAnimationActive={false} contentStyle={TOOLTIP_STYLE} />
        {series.flatMap((s, i) => seriesShapes(s, s.loss[primary], { yAxisId: 'left', dash: dashed[i] ? DUPLICATE_DASH : undefined, width: 1.6, dot: false }))}
        {lossKey === 'ce+kd'
          ? series.filter((s) => s.distills).flatMap((s) => seriesShapes(s, s.loss.kd, { yAxisId: 'right', dash: '2 3', width: 1.4, dot: false }))
          : null}
      </ComposedChart>
    </ResponsiveContainer>
  );
});

/**
 * The accuracy axis: zoomed to the students' accuracies (mean lines and bands) with a little room,
 * or 0–100 %. The teacher's line is left out of the zoom: far above the students, it would flatten
 * the differences the chart is there to show.
 */
export function accuracyAxis(values: readonly number[], fullRange: boolean): { domain: [number, number]; ticks: number[] } {
  const finite = values.filter(Number.isFinite);
  if (fullRange || finite.length === 0) return { domain: [0, 1], ticks: FULL_RANGE_TICKS };
  const low = Math.min(...finite);
  const high = Math.max(...finite);
  const pad = Math.max((high - low) * 0.08, 0.005);
  const ticks = niceTicks(Math.max(0, low - pad), Math.min(1, high + pad), 5).filter((tick) => tick >= 0 && tick <= 1);
  return { domain: [ticks[0] ?? 0, ticks[ticks.length - 1] ?? 1], ticks };
}

const AccuracyLines = memo(function AccuracyLines({
  series,
  teacherAccuracy,
  yAxis,
  dashed,
}: {
  series: RunSeries[];
  teacherAccuracy: number | null;
  yAxis: { domain: [number, number]; ticks: number[] };
  dashed: boolean[];
}) {
  const xAxis = useMemo(() => stepAxis(0, Math.max(1, ...series.flatMap((s) => s.accuracy.map((point) => point.step)))), [series]);
  return (
    <ResponsiveContainer width="100%" height={260} initialDimension={{ width: 560, height: 260 }}>
      <ComposedChart
        margin={{ top: 8, right: 16, bottom: 4, left: 0 }}
        accessibilityLayer={false}
        role="img"
        aria-label={`Test accuracy per evaluation, one line per run: ${series.map((s) => `${s.label} ${formatPercent(s.accuracy[s.accuracy.length - 1]?.mean)}`).join('; ') || 'none shown'}`}
      >
        <CartesianGrid stroke={CHART.grid} vertical={false} yAxisId="left" />
        <XAxis dataKey="step" type="number" domain={xAxis.domain} ticks={xAxis.ticks} allowDuplicatedCategory={false} tick={CHART.tick} stroke={CHART.axis} />
        <YAxis
          yAxisId="left"
          type="number"
          domain={yAxis.domain}
          ticks={yAxis.ticks}
          tickFormatter={percent}
          tick={CHART.tick}
          stroke={CHART.axis}
          width={52}
        />
        <Tooltip formatter={formatTooltip((v) => formatPercent(v))} labelFormatter={(s) => `step ${s}`} isAnimationActive={false} contentStyle={TOOLTIP_STYLE} />
        {teacherAccuracy !== null ? <ReferenceLine yAxisId="left" y={teacherAccuracy} stroke={CHART.mark} strokeDasharray="5 4" /> : null}
        {series.flatMap((s, i) => seriesShapes(s, s.accuracy, { yAxisId: 'left', dash: dashed[i] ? DUPLICATE_DASH : undefined, width: 1.8, dot: { r: 2.5 } }))}
      </ComposedChart>
    </ResponsiveContainer>
  );
});
