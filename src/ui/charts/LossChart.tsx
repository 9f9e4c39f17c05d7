import { memo, useDeferredValue, useId, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { setLogLoss, setSmoothLoss, setWholeRun } from '../../state/configActions';
import { fittedRange, recentRows, RECENT_STEPS } from '../../state/lossWindow';
import { useLab } from '../../state/store';
import type { LossRow } from '../../state/lossSeries';
import { knobMarks, labelRows, type KnobMark } from '../../state/knobMarks';
import { ChartLegend } from './Legend';
import { PictureButtons } from './PictureButtons';
import { CHART, SERIES_COLOURS, TERM_COLOURS, TOOLTIP_STYLE } from './theme';
import { decadeTicks, formatLoss, niceTicks, stepAxis } from './ticks';

/** The peer student's lines (DML) are dashed. */
const PEER_DASH = '5 4';

/**
 * One line of the loss chart: ce, each distillation term by its method id (the single method's
 * term or every term of a recipe), total, and for DML the peer student's three. `key` names the
 * line in the chart's data-lines and in its class (loss-line-<key>) so tests can find it.
 */
interface LossLine {
  key: string;
  name: string;
  legend: string;
  colour: string;
  width: number;
  dashed: boolean;
  value(row: LossRow, smooth: boolean): number | undefined;
}

function lossLines(rows: readonly LossRow[]): LossLine[] {
  const last = rows[rows.length - 1];
  const termIds = last ? Object.keys(last.terms) : [];
  const lines: LossLine[] = [
    { key: 'ce', name: 'ce', legend: 'ce (hard labels)', colour: SERIES_COLOURS.ce, width: 1.6, dashed: false, value: (r, s) => (s ? r.ceSmooth : r.ce) },
  ];
  termIds.forEach((id, i) => {
    lines.push({
      key: `term-${id}`,
      name: id,
      legend: termIds.length > 1 ? `${id} (term ${i + 1})` : `${id} (distillation)`,
      colour: TERM_COLOURS[i % TERM_COLOURS.length],
      width: 1.6,
      dashed: false,
      value: (r, s) => (s ? r.termsSmooth[id] : r.terms[id]),
    });
  });
  lines.push({ key: 'total', name: 'total', legend: 'total', colour: SERIES_COLOURS.total, width: 2, dashed: false, value: (r, s) => (s ? r.totalSmooth : r.total) });
  if (last?.peer) {
    const peerTerm = termIds[0] ?? 'kd';
    lines.push(
      { key: 'peer-ce', name: 'peer ce', legend: 'peer ce', colour: SERIES_COLOURS.ce, width: 1.4, dashed: true, value: (r, s) => (s ? r.peerSmooth?.ce : r.peer?.ce) },
      { key: `peer-term-${peerTerm}`, name: `peer ${peerTerm}`, legend: `peer ${peerTerm}`, colour: TERM_COLOURS[0], width: 1.4, dashed: true, value: (r, s) => (s ? r.peerSmooth?.kd : r.peer?.kd) },
      { key: 'peer-total', name: 'peer total', legend: 'peer total', colour: SERIES_COLOURS.total, width: 1.6, dashed: true, value: (r, s) => (s ? r.peerSmooth?.total : r.peer?.total) },
    );
  }
  return lines;
}

const FIXED_LEGEND = [
  { label: 'ce (hard labels)', colour: SERIES_COLOURS.ce },
  { label: 'kd (distillation)', colour: SERIES_COLOURS.kd },
  { label: 'total', colour: SERIES_COLOURS.total },
];

const formatDecade = (v: number) => (v >= 1e-3 && v < 1e4 ? String(Number(v.toPrecision(1))) : v.toExponential(0));

/** Tick labels with as many decimals as the tick spacing needs (0, 5, 10 or 0.02, 0.04). */
function tickFormatter(ticks: readonly number[]): (v: number) => string {
  const spacing = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
  const decimals = Math.min(6, Math.max(0, -Math.floor(Math.log10(spacing) + 1e-9)));
  return (v: number) => v.toFixed(decimals);
}

export function LossChart() {
  // Deferred: the chart redraws in an interruptible background render, so it never blocks input.
  const rows = useDeferredValue(useLab((s) => s.run.lossRows));
  // The checkboxes show the store's value at once; the chart follows in a deferred render.
  const smoothChecked = useLab((s) => s.ui.smoothLoss);
  const logChecked = useLab((s) => s.ui.logLoss);
  const wholeRunChecked = useLab((s) => s.ui.wholeRun);
  const smooth = useDeferredValue(smoothChecked);
  const log = useDeferredValue(logChecked);
  const wholeRun = useDeferredValue(wholeRunChecked);
  const toggleId = useId();
  const logToggleId = useId();
  const wholeRunId = useId();
  const shown = useMemo(() => (wholeRun ? rows : recentRows(rows)), [rows, wholeRun]);
  const lines = useMemo(() => lossLines(rows), [rows]);
  const knobChanges = useLab((s) => s.run.knobChanges);
  const marks = useMemo(() => knobMarks(knobChanges), [knobChanges]);
  const legend = rows.length === 0 ? FIXED_LEGEND : lines.map((line) => ({ label: line.legend, colour: line.colour, dashed: line.dashed }));
  return (
    <section className="panel chart-panel" aria-label="Loss per step">
      <div className="chart-header">
        <h2>Loss</h2>
        <ChartLegend items={legend} />
        <label className="toggle" htmlFor={toggleId}>
          <input id={toggleId} type="checkbox" data-testid="smooth-toggle" checked={smoothChecked} onChange={(e) => setSmoothLoss(e.target.checked)} />
          Smoothed (EMA)
        </label>
        <label className="toggle" htmlFor={wholeRunId} title={`Off: the last ${RECENT_STEPS} steps on an axis fitted to them, where a change of T or kd_ratio shows`}>
          <input id={wholeRunId} type="checkbox" data-testid="whole-run-toggle" checked={wholeRunChecked} onChange={(e) => setWholeRun(e.target.checked)} />
          Whole run
        </label>
        <label className="toggle" htmlFor={logToggleId} title="A log axis shows the shape of small terms next to large ones">
          <input id={logToggleId} type="checkbox" data-testid="log-scale-toggle" checked={logChecked} onChange={(e) => setLogLoss(e.target.checked)} />
          Log scale
        </label>
        {rows.length > 0 ? <PictureButtons chartTestId="loss-chart" title="Loss per step" /> : null}
      </div>
      <div
        className="chart"
        data-testid="loss-chart"
        data-points={rows.length}
        data-scale={log ? 'log' : 'linear'}
        data-view={wholeRun ? 'whole-run' : 'recent'}
        data-lines={rows.length === 0 ? '' : lines.map((line) => line.key).join(',')}
      >
        {rows.length === 0 ? <p className="chart-empty">The hard-label CE, each distillation term and their weighted total appear here, step by step.</p> : null}
        <LossLines rows={shown} smooth={smooth} log={log} fitted={!wholeRun} lines={lines} marks={marks} label={chartLabel(rows, lines)} />
      </div>
      {rows.length > 0 ? <LatestLosses row={rows[rows.length - 1]} lines={lines} /> : null}
      <KnobChanges marks={marks} />
    </section>
  );
}

/** The chart in words, for its SVG's name: its lines and their newest values. */
function chartLabel(rows: readonly LossRow[], lines: readonly LossLine[]): string {
  const last = rows[rows.length - 1];
  if (!last) return 'Loss per step: no steps yet';
  const values = lines.map((line) => {
    const value = line.value(last, false);
    return `${line.name} ${value === undefined ? 'none' : formatLoss(value)}`;
  });
  return `Loss per step (${lines.map((line) => line.name).join(', ')}); at step ${last.step.toLocaleString('en')}: ${values.join(', ')}`;
}

interface LossLinesProps {
  label: string;
  rows: LossRow[];
  smooth: boolean;
  log: boolean;
  /** The y axis fitted to the rows' own range instead of starting at 0. */
  fitted: boolean;
  lines: LossLine[];
  marks: KnobMark[];
}

const LossLines = memo(function LossLines({ label, rows, smooth, log, fitted, lines, marks }: LossLinesProps) {
  const { xAxis, yTicks, formatY } = useMemo(() => {
    let high = 0;
    let lowPositive = Infinity;
    const values: number[] = [];
    for (const row of rows) {
      for (const line of lines) {
        const value = line.value(row, smooth);
        if (value !== undefined && Number.isFinite(value)) {
          values.push(value);
          high = Math.max(high, value);
          if (value > 0) lowPositive = Math.min(lowPositive, value);
        }
      }
    }
    const first = rows[0]?.step ?? 0;
    const last = rows[rows.length - 1]?.step ?? 1;
    const [fittedLow, fittedHigh] = fittedRange(values);
    let yTicks = log ? decadeTicks(lowPositive, high) : fitted ? niceTicks(fittedLow, fittedHigh, 5) : niceTicks(0, high || 1, 5);
    // Nice ticks may start below the fitted range; a loss is never below 0.
    if (!log && fitted) yTicks = yTicks.filter((tick) => tick >= 0);
    return { xAxis: stepAxis(first, last), yTicks, formatY: log ? formatDecade : tickFormatter(yTicks) };
  }, [rows, smooth, log, fitted, lines]);
  const markRows = useMemo(() => labelRows(marks.map((mark) => mark.step), xAxis.domain[1] - xAxis.domain[0]), [marks, xAxis]);
  return (
    <ResponsiveContainer width="100%" height={260} initialDimension={{ width: 600, height: 260 }}>
      {/* Out of the tab order (recharts' keyboard layer would make the SVG a nameless tab stop): named by what it shows. */}
      <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }} accessibilityLayer={false} role="img" aria-label={label}>
        <CartesianGrid stroke={CHART.grid} vertical={false} />
        <XAxis dataKey="step" type="number" domain={xAxis.domain} ticks={xAxis.ticks} tick={CHART.tick} stroke={CHART.axis} />
        <YAxis
          type="number"
          scale={log ? 'log' : 'auto'}
          allowDataOverflow={log}
          domain={[yTicks[0], yTicks[yTicks.length - 1]]}
          ticks={yTicks}
          tick={CHART.tick}
          stroke={CHART.axis}
          width={48}
          tickFormatter={formatY}
        />
        <Tooltip formatter={(v) => (typeof v === 'number' ? formatLoss(v) : String(v))} labelFormatter={(s) => `step ${s}`} isAnimationActive={false} contentStyle={TOOLTIP_STYLE} />
        {marks.map((mark, i) => (
          <ReferenceLine
            key={`${mark.step}-${mark.label}`}
            className="knob-mark"
            x={mark.step}
            stroke={CHART.mark}
            strokeDasharray="3 3"
            label={{ value: mark.label, position: 'insideTopLeft', fontSize: 11, fill: CHART.mark, dy: markRows[i] * 13 }}
          />
        ))}
        {lines.map((line) => (
          <Line
            key={line.key}
            className={`loss-line loss-line-${line.key}`}
            type="linear"
            dataKey={(row: LossRow) => {
              const value = line.value(row, smooth);
              // A log axis has no place for 0 (a term that is exactly 0 leaves a gap there).
              return log && value !== undefined && !(value > 0) ? undefined : value;
            }}
            name={line.name}
            stroke={line.colour}
            strokeDasharray={line.dashed ? PEER_DASH : undefined}
            dot={false}
            strokeWidth={line.width}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
});

/** The knob changes as text, with the step each took effect at (the markers' words, for a screen reader and the tests). */
function KnobChanges({ marks }: { marks: KnobMark[] }) {
  if (marks.length === 0) return null;
  return (
    <ul className="knob-changes small" data-testid="knob-changes" aria-label="Knob changes during the run">
      {marks.map((mark) => (
        <li key={`${mark.step}-${mark.label}`} data-testid="knob-change" data-step={mark.step}>
          step {mark.step.toLocaleString('en')}: {mark.label}
        </li>
      ))}
    </ul>
  );
}

/** The newest raw value of every line, as text (a screen reader's view of the chart, and the tests'). */
function LatestLosses({ row, lines }: { row: LossRow; lines: LossLine[] }) {
  return (
    <dl className="loss-latest" data-testid="loss-latest" aria-label={`Losses at step ${row.step}`}>
      {lines.map((line) => {
        const value = line.value(row, false);
        return (
          <div key={line.key}>
            <dt>{line.name}</dt>
            <dd data-testid={`loss-latest-${line.key}`} data-value={String(value)}>
              {value === undefined ? '—' : formatLoss(value)}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
