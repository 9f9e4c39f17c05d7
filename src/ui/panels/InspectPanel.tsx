// Inspect a finished run: per-class accuracy, the confusion matrix, and the class pairs the
// student mixes up most, with the test images it got wrong.
import { useEffect, useMemo } from 'react';
import { requestMisclassified } from '../../state/explorer';
import { mostConfusedPairs } from '../../state/softLabels';
import { useLab } from '../../state/store';
import type { RunResult } from '../../train/runTypes';
import type { OmittedClassReport } from '../../train/runTypes';
import type { DatasetSummary } from '../../worker/protocol';
import { isPanelHidden } from '../hiddenControls';
import { article, formatPercent, Panel } from '../fields';
import { Heatmap } from '../Heatmap';
import { PixelImage, pixelScale } from '../PixelImage';

const PAIRS_SHOWN = 3;
const EXAMPLES_PER_PAIR = 6;
/** The mistakes' images at an integer scale of at least this many CSS pixels (8×8 digits: 6×). */
const EXAMPLE_SIDE = 48;

export function InspectPanel() {
  const status = useLab((s) => s.run.status);
  const runId = useLab((s) => s.run.id);
  const result = useLab((s) => s.run.result);
  const summary = useLab((s) => (s.run.result ? s.datasets[s.run.result.config.dataset]?.summary : undefined));
  if ((status !== 'done' && status !== 'stopped') || !result || !runId || result.status === 'error' || isPanelHidden('inspect')) return null;
  return (
    <Panel title="Inspect the run" className="inspect-panel">
      <InspectResult runId={runId} result={result} summary={summary} />
    </Panel>
  );
}

function InspectResult({ runId, result, summary }: { runId: string; result: RunResult; summary: DatasetSummary | undefined }) {
  const numClasses = result.confusion.length;
  const names = summary?.classNames ?? Array.from({ length: numClasses }, (_, i) => String(i));
  const testLimit = result.config.testLimit;
  const testSize = summary ? (testLimit !== undefined ? Math.min(testLimit, summary.sizes.test) : summary.sizes.test) : undefined;
  const pairs = useMemo(() => mostConfusedPairs(result.confusion, PAIRS_SHOWN), [result.confusion]);
  const classTotals = result.confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const omitted = new Set(result.omitted?.classes ?? result.config.omitClasses ?? []);
  useEffect(() => {
    requestMisclassified(
      runId,
      pairs.map(({ actual, predicted }) => ({ actual, predicted })),
      EXAMPLES_PER_PAIR,
    );
  }, [runId, pairs]);
  return (
    <div className="inspect">
      <p className="muted small">
        The student of this run on the{' '}
        <span data-testid="inspect-test-size">{testSize?.toLocaleString('en') ?? '—'}</span> test images
        {testLimit !== undefined ? ` (limited to the first ${testLimit.toLocaleString('en')})` : ''}.
      </p>
      {result.omitted ? <OmittedClasses report={result.omitted} names={names} /> : null}
      <div className="inspect-columns">
        <section aria-labelledby="per-class-heading" className="inspect-section">
          <h3 id="per-class-heading">Per-class accuracy</h3>
          <ul className="class-bars" data-testid="per-class-accuracy">
            {result.perClassAccuracy.map((accuracy, c) => (
              <li key={c} className={omitted.has(c) ? 'class-bar-row omitted' : 'class-bar-row'} data-omitted={omitted.has(c) ? 'true' : undefined}>
                <span className="class-bar-name" title={names[c]}>
                  {names[c]}
                  {omitted.has(c) ? <span className="omitted-tag" title="Left out of the training set: the student never saw one"> never seen</span> : null}
                </span>
                <span className="class-bar-track" aria-hidden="true">
                  <span className="class-bar-fill" style={{ width: `${Number.isFinite(accuracy) ? accuracy * 100 : 0}%` }} />
                </span>
                <span className="class-bar-value" data-value={accuracy}>
                  {Number.isFinite(accuracy) ? formatPercent(accuracy, 1) : 'no images'}
                  <span className="muted"> of {classTotals[c]}</span>
                </span>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="confusion-heading" className="inspect-section">
          <h3 id="confusion-heading">Confusion matrix</h3>
          <Heatmap
            testId="confusion-matrix"
            label="Confusion matrix"
            caption="Rows: true class. Columns: the student's prediction. The diagonal is right."
            corner="true \ predicted"
            rowNames={names}
            columnNames={names}
            values={result.confusion}
            format={(value) => String(value)}
            intensity={(value, row) => (classTotals[row] > 0 ? Math.sqrt(value / classTotals[row]) : 0)}
            describe={(value, row, column) => `${value} test images of ${names[row]} predicted as ${names[column]}`}
          />
        </section>
      </div>
      <ConfusedPairs names={names} pairs={pairs} classTotals={classTotals} summary={summary} />
    </div>
  );
}

function ConfusedPairs({
  names,
  pairs,
  classTotals,
  summary,
}: {
  names: readonly string[];
  pairs: ReturnType<typeof mostConfusedPairs>;
  classTotals: number[];
  summary: DatasetSummary | undefined;
}) {
  const inspection = useLab((s) => s.inspection);
  return (
    <section aria-labelledby="pairs-heading" className="inspect-section">
      <h3 id="pairs-heading">Most-confused pairs</h3>
      {pairs.length === 0 ? (
        <p className="muted small">The student got every test image right: nothing to confuse.</p>
      ) : (
        <ol className="confused-pairs" data-testid="confused-pairs">
          {pairs.map((pair) => {
            const found = inspection.pairs.find((p) => p.actual === pair.actual && p.predicted === pair.predicted);
            return (
              <li key={`${pair.actual}-${pair.predicted}`} className="confused-pair">
                <p className="small">
                  <strong>{names[pair.actual]}</strong> taken for <strong>{names[pair.predicted]}</strong>: {pair.count} of {classTotals[pair.actual]} test images (
                  {formatPercent(pair.rate, 1)})
                </p>
                {found && summary ? (
                  <ul className="example-row" aria-label={`Test images of ${names[pair.actual]} predicted as ${names[pair.predicted]}`}>
                    {found.examples.map((image) => (
                      <li key={image.index}>
                        <figure className="example">
                          <PixelImage
                            pixels={image.pixels}
                            shape={summary.inputShape}
                            scale={pixelScale(summary.inputShape, EXAMPLE_SIDE)}
                            label={`Test image ${image.index}: ${article(names[pair.actual])} ${names[pair.actual]} predicted as ${names[pair.predicted]}`}
                          />
                          <figcaption>#{image.index}</figcaption>
                        </figure>
                      </li>
                    ))}
                  </ul>
                ) : inspection.status === 'loading' ? (
                  <p className="muted small">Finding the images…</p>
                ) : inspection.status === 'failed' ? (
                  <p className="muted small">{inspection.message}</p>
                ) : null}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

/**
 * The classes the student never saw in training: how many of their test images it still gets
 * right through the teacher's soft labels, and after Hinton's bias correction chosen on val.
 */
function OmittedClasses({ report, names }: { report: OmittedClassReport; names: readonly string[] }) {
  const classes = report.classes.map((c) => names[c] ?? String(c)).join(', ');
  return (
    <section className="omitted-report" data-testid="omitted-report" aria-label="Classes never seen in training">
      <p>
        The student never saw a <strong>{classes}</strong> in training, yet it recognises{' '}
        <strong data-testid="omitted-accuracy" data-value={report.omittedTestAccuracy}>
          {formatPercent(report.omittedTestAccuracy, 1)}
        </strong>{' '}
        of the {report.omittedTestCount.toLocaleString('en')} test images of {classes}.
      </p>
      <p className="small">
        Raising the {classes} logit by <strong>{report.bias}</strong> (chosen on the validation split, as Hinton et al. 2015 do) gives{' '}
        <strong data-testid="omitted-accuracy-corrected" data-value={report.omittedTestAccuracyCorrected}>
          {formatPercent(report.omittedTestAccuracyCorrected, 1)}
        </strong>{' '}
        on them, and {formatPercent(report.testAccuracyCorrected, 1)} on all test images (without it: {formatPercent(report.testAccuracy, 1)}).
      </p>
    </section>
  );
}
