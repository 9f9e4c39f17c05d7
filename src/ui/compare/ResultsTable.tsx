// The comparison table: one row per run, the teacher and the scratch baseline; sortable by any
// column (aria-sort), exported as CSV or JSON, each trained student downloadable.
import { useMemo, useState } from 'react';
import { loadStudentAsTeacher, resultRows, sortBy } from '../../state/compareActions';
import { useCompare, type CompareEntry } from '../../state/compare';
import type { StudentFiles } from '../../state/runStore';
import { RESULT_COLUMNS, rowsToCsv, rowsToJson, sortRows, type DeltaNote, type ResultRow } from '../../train/results';
import { WEIGHTS_FILE } from '../../models/io';
import { formatCount, formatPercent } from '../fields';
import { downloadBlob } from './download';
import { resultOutcomeText } from '../../state/runOutcome';

const DELTA_NOTE_TEXT: Record<DeltaNote, { short: string; title: (row: ResultRow) => string }> = {
  'within-one-image': {
    short: '≤ 1 test image',
    title: (row) => `At most one test image (1 / ${row.testCount ?? '?'} = ${formatPoints(1 / (row.testCount ?? 1))}): not a difference between methods.`,
  },
  'below-seed-spread': {
    short: '< seed spread',
    title: (row) => `Smaller than the spread over seeds${row.seedSpread !== null ? ` (std ${formatPoints(row.seedSpread)})` : ''}: not a difference between methods.`,
  },
};

function formatPoints(fraction: number): string {
  return `${(fraction * 100).toFixed(2)} pp`;
}

const STATUS_TEXT: Record<ResultRow['status'], string> = {
  queued: 'queued',
  running: 'running',
  done: 'done',
  stopped: 'stopped early',
  error: 'failed',
  cancelled: 'cancelled',
};

function formatCell(row: ResultRow, key: (typeof RESULT_COLUMNS)[number]['key']): string {
  const value = row[key];
  if (value === null) return '—';
  switch (key) {
    case 'parameters':
      return formatCount(value as number);
    case 'seconds':
      return `${(value as number).toFixed(1)} s`;
    case 'deltaTestAccuracy': {
      const points = (value as number) * 100;
      return `${points > 0 ? '+' : points < 0 ? '−' : '±'}${Math.abs(points).toFixed(2)} pp`;
    }
    case 'label':
    case 'method':
      return String(value);
    default:
      return formatPercent(value as number);
  }
}

export function ResultsTable() {
  const entries = useCompare((s) => s.entries);
  const sort = useCompare((s) => s.sort);
  const rows = useMemo(() => resultRows(entries), [entries]);
  const shown = useMemo(() => (sort ? sortRows(rows, sort.key, sort.direction) : rows), [rows, sort]);
  const byId = useMemo(() => new Map(entries.map((entry) => [entry.id, entry])), [entries]);
  if (rows.length === 0) {
    return (
      <section className="panel" aria-labelledby="compare-results-title">
        <h2 id="compare-results-title">Results</h2>
        <p className="muted small">Queue runs above and press “Run comparison”, or show saved runs below.</p>
      </section>
    );
  }
  const exportRows = shown;
  const testCount = rows.find((row) => row.kind === 'baseline' && row.testCount !== null)?.testCount ?? null;
  const configs = Object.fromEntries(entries.map((entry) => [entry.id, entry.config]));
  return (
    <section className="panel compare-results" aria-labelledby="compare-results-title">
      <div className="chart-header">
        <h2 id="compare-results-title">Results</h2>
        <div className="button-row">
          <button type="button" data-testid="export-csv" onClick={() => downloadBlob('comparison.csv', new Blob([rowsToCsv(exportRows)], { type: 'text/csv' }))}>
            Download CSV
          </button>
          <button
            type="button"
            data-testid="export-json"
            onClick={() => downloadBlob('comparison.json', new Blob([rowsToJson(exportRows, configs)], { type: 'application/json' }))}
          >
            Download JSON
          </button>
        </div>
      </div>
      <div className="table-scroll">
        <table className="compare-table" data-testid="compare-table">
          <caption className="visually-hidden">Results of the compared runs; press a column header to sort by it.</caption>
          <thead>
            <tr>
              {RESULT_COLUMNS.map((column) => (
                <th
                  key={column.key}
                  scope="col"
                  className={column.numeric ? 'numeric' : undefined}
                  aria-sort={sort?.key === column.key ? sort.direction : 'none'}
                  data-column={column.key}
                >
                  <button type="button" className="sort-button" onClick={() => sortBy(column.key, column.numeric)}>
                    {column.header}
                    <span className="sort-mark" aria-hidden="true">
                      {sort?.key === column.key ? (sort.direction === 'ascending' ? '▲' : '▼') : ''}
                    </span>
                  </button>
                </th>
              ))}
              <th scope="col">Student</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => {
              const entry = byId.get(row.id);
              return (
                <tr key={row.id} data-testid="compare-row" data-kind={row.kind} data-status={row.status} data-run={row.id} className={`row-${row.kind} row-${row.status}`}>
                  {RESULT_COLUMNS.map((column) =>
                    column.key === 'label' ? (
                      <th key={column.key} scope="row" className="run-cell">
                        <RunCell row={row} entry={entry} />
                      </th>
                    ) : (
                      <td key={column.key} className={column.numeric ? 'numeric' : undefined} data-column={column.key}>
                        {formatCell(row, column.key)}
                        {column.key === 'deltaTestAccuracy' && row.deltaNote ? (
                          <span className="chip delta-note" data-testid="delta-note" data-note={row.deltaNote} title={DELTA_NOTE_TEXT[row.deltaNote].title(row)}>
                            {DELTA_NOTE_TEXT[row.deltaNote].short}
                          </span>
                        ) : null}
                      </td>
                    ),
                  )}
                  <td>{entry ? <StudentActions entry={entry} /> : null}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="muted small">
        Accuracies are on the val / test samples every run shares; MPA is the mean per-class accuracy; Δ is the difference to the student from scratch in
        percentage points.
        {testCount !== null ? ` One test image is ${formatPoints(1 / testCount)} (1 / ${testCount.toLocaleString('en')}): a Δ of at most that is marked “≤ 1 test image”.` : ''}{' '}
        With several seeds of a run in the table, a Δ within their spread (standard deviation) is marked “&lt; seed spread”.
      </p>
    </section>
  );
}

function RunCell({ row, entry }: { row: ResultRow; entry: CompareEntry | undefined }) {
  return (
    <div className="run-label">
      <span>{row.label}</span>
      <span className="run-badges">
        {row.kind === 'baseline' ? <span className="chip">baseline</span> : null}
        {entry?.origin === 'saved' ? <span className="chip">saved</span> : null}
        {row.ttaShift ? <span className="chip extra-on" data-testid="extra-tta">TTA ±{row.ttaShift}</span> : null}
        {row.emaDecay ? <span className="chip extra-on" data-testid="extra-ema">EMA {row.emaDecay}</span> : null}
        {row.rdropAlpha ? <span className="chip extra-on" data-testid="extra-rdrop">R-Drop {row.rdropAlpha}</span> : null}
        {row.status !== 'done' ? (
          <span className={`chip status-chip status-${row.status}`}>{row.status === 'stopped' && entry?.result ? resultOutcomeText(entry.result) : STATUS_TEXT[row.status]}</span>
        ) : null}
      </span>
      {row.status === 'running' && entry ? (
        <progress max={1} value={entry.progress} aria-label={`Progress of ${row.label}`} className="row-progress" />
      ) : null}
      {row.error ? (
        <p className="row-error" data-testid="compare-row-error">
          {row.error}
        </p>
      ) : null}
    </div>
  );
}

function StudentActions({ entry }: { entry: CompareEntry }) {
  const [loading, setLoading] = useState(false);
  if (entry.kind !== 'student') return null;
  const files = entry.student;
  if (!files) return entry.studentMessage ? <span className="muted small">{entry.studentMessage}</span> : null;
  return (
    <div className="student-actions" role="group" aria-label={`Student of ${entry.label}`}>
      <button type="button" className="link-button" data-testid="download-model-json" onClick={() => downloadModelJson(files)}>
        model.json
      </button>
      <button type="button" className="link-button" data-testid="download-weights" onClick={() => downloadBlob(WEIGHTS_FILE, new Blob([files.weights]))}>
        {WEIGHTS_FILE}
      </button>
      <button
        type="button"
        className="link-button"
        data-testid="use-as-teacher"
        disabled={loading}
        title="Load this student as the Lab's teacher (same check as loading files by hand)"
        onClick={() => {
          setLoading(true);
          void loadStudentAsTeacher(files, entry.label).finally(() => setLoading(false));
        }}
      >
        use as teacher
      </button>
    </div>
  );
}

function downloadModelJson(files: StudentFiles): void {
  downloadBlob('model.json', new Blob([files.modelJson], { type: 'application/json' }));
}
