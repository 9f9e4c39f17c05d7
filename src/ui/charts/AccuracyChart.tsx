import { formatPercent } from '../fields';
import { memo, useDeferredValue, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useLab } from '../../state/store';
import type { EvalPoint } from '../../train/runTypes';
import { ChartLegend } from './Legend';
import { PictureButtons } from './PictureButtons';
import { CHART, SERIES_COLOURS, TOOLTIP_STYLE } from './theme';
import { stepAxis } from './ticks';

const LEGEND = [
  { label: 'train (running, this epoch)', colour: SERIES_COLOURS.train },
  { label: 'val', colour: SERIES_COLOURS.val },
  { label: 'test', colour: SERIES_COLOURS.test },
];
/** DML: the second student's curves, dashed. */
const PEER_LEGEND = [
  { label: 'peer train', colour: SERIES_COLOURS.train, dashed: true },
  { label: 'peer val', colour: SERIES_COLOURS.val, dashed: true },
  { label: 'peer test', colour: SERIES_COLOURS.test, dashed: true },
];
const PEER_DASH = '5 4';
const Y_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];
const percent = (v: number) => `${Math.round(v * 100)}%`;

export function AccuracyChart() {
  const evals = useDeferredValue(useLab((s) => s.run.evals));
  const peer = evals.some((e) => e.peer !== undefined);
  return (
    <section className="panel chart-panel" aria-label="Accuracy">
      <div className="chart-header">
        <h2>Accuracy</h2>
        <ChartLegend items={peer ? [...LEGEND, ...PEER_LEGEND] : LEGEND} />
        {evals.length > 0 ? <PictureButtons chartTestId="accuracy-chart" title="Accuracy per evaluation" /> : null}
      </div>
      <div className="chart" data-testid="accuracy-chart" data-points={evals.length} data-lines={evals.length === 0 ? '' : peer ? 'train,val,test,peer-train,peer-val,peer-test' : 'train,val,test'}>
        {evals.length === 0 ? <p className="chart-empty">Train, val and test accuracy appear after each evaluation (every epoch and every few hundred steps).</p> : null}
        <AccuracyLines evals={evals} />
      </div>
    </section>
  );
}

/** The chart in words, for its SVG's name: the newest evaluation. */
function accuracyLabel(evals: readonly EvalPoint[]): string {
  const last = evals[evals.length - 1];
  if (!last) return 'Accuracy per evaluation: none yet';
  const parts = [`train ${formatPercent(last.trainAccuracy)}`, `val ${formatPercent(last.valAccuracy)}`, `test ${formatPercent(last.testAccuracy)}`];
  return `Accuracy per evaluation (train, val, test); at step ${last.step.toLocaleString('en')}: ${parts.join(', ')}`;
}

const AccuracyLines = memo(function AccuracyLines({ evals }: { evals: EvalPoint[] }) {
  const rows = useMemo(
    () =>
      evals.map((e) => ({
        step: e.step,
        epoch: e.epoch,
        train: e.trainAccuracy,
        val: e.valAccuracy,
        test: e.testAccuracy,
        peerTrain: e.peer?.trainAccuracy,
        peerVal: e.peer?.valAccuracy,
        peerTest: e.peer?.testAccuracy,
      })),
    [evals],
  );
  const peer = evals.some((e) => e.peer !== undefined);
  const xAxis = useMemo(() => stepAxis(0, rows[rows.length - 1]?.step ?? 1), [rows]);
  return (
    <ResponsiveContainer width="100%" height={240} initialDimension={{ width: 600, height: 240 }}>
      <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }} accessibilityLayer={false} role="img" aria-label={accuracyLabel(evals)}>
        <CartesianGrid stroke={CHART.grid} vertical={false} />
        <XAxis dataKey="step" type="number" domain={xAxis.domain} ticks={xAxis.ticks} tick={CHART.tick} stroke={CHART.axis} />
        <YAxis type="number" domain={[0, 1]} ticks={Y_TICKS} tickFormatter={percent} tick={CHART.tick} stroke={CHART.axis} width={48} />
        <Tooltip formatter={(v) => (typeof v === 'number' ? formatPercent(v) : String(v))} labelFormatter={(s) => `step ${s}`} isAnimationActive={false} contentStyle={TOOLTIP_STYLE} />
        <Line type="linear" dataKey="train" name="train" stroke={SERIES_COLOURS.train} strokeWidth={1.6} dot={{ r: 2.5 }} isAnimationActive={false} />
        <Line type="linear" dataKey="val" name="val" stroke={SERIES_COLOURS.val} strokeWidth={1.6} dot={{ r: 2.5 }} isAnimationActive={false} />
        <Line type="linear" dataKey="test" name="test" stroke={SERIES_COLOURS.test} strokeWidth={2} dot={{ r: 3 }} isAnimationActive={false} />
        {peer ? (
          <>
            <Line className="accuracy-line-peer-train" type="linear" dataKey="peerTrain" name="peer train" stroke={SERIES_COLOURS.train} strokeDasharray={PEER_DASH} strokeWidth={1.4} dot={false} isAnimationActive={false} />
            <Line className="accuracy-line-peer-val" type="linear" dataKey="peerVal" name="peer val" stroke={SERIES_COLOURS.val} strokeDasharray={PEER_DASH} strokeWidth={1.4} dot={false} isAnimationActive={false} />
            <Line className="accuracy-line-peer-test" type="linear" dataKey="peerTest" name="peer test" stroke={SERIES_COLOURS.test} strokeDasharray={PEER_DASH} strokeWidth={1.6} dot={false} isAnimationActive={false} />
          </>
        ) : null}
      </LineChart>
    </ResponsiveContainer>
  );
});
