// The comparison table: one row per configuration (mean ± std over its seeds, each seed's run on
// demand), the teacher and the scratch baseline; sortable by any column (aria-sort), exported as
// CSV or JSON, each trained student downloadable.
import { useMemo, useState, type ReactNode } from 'react';
import { resultTable, sortBy } from '../../state/compareTable';
import { loadStudentAsTeacher } from '../../state/studentFiles';
import { useCompare, type CompareEntry, type CompareState } from '../../state/compare';
import type { StudentFiles } from '../../state/runStore';
import type { ExperimentConfig } from '../../train/config';
import {
  exportedRows,
  RESULT_COLUMNS,
  rowsToCsv,
  rowsToJson,
  SCORE_KEYS,
  sortRows,
  type ComparisonTable,
  type DeltaNote,
  type ResultRow,
  type ScoreKey,
} from '../../state/results';
import { WEIGHTS_FILE } from '../../models/files';
import { formatCount, formatPercent } from '../fields';
import { downloadBlob } from './download';
import { PytorchExportButton } from '../PytorchExportButton';
import { resultOutcomeText } from '../../train/runOutcome';

const DELTA_NOTE_TEXT: Record<DeltaNote, { short: string; title: (row: ResultRow) => string }> = {
  'within-one-image': {
    short: '≤ 1 test image',
    title: (row) => `At most one test image (1 / ${row.testCount ?? '?'} = ${formatPoints(1 / (row.testCount ?? 1))}): not a difference between methods.`,
  },
  'below-seed-spread': {
    short: '< seed spread',
    title: (row) =>
      `Not larger than the larger standard deviation over seeds (this run's or the scratch baseline's${spreadText(row)}): not a difference between methods.`,
  },
  'beyond-seed-spread': {
    short: '> seed spread',
    title: (row) => `Larger than the standard deviation over seeds of this run and of the scratch baseline${spreadText(row)}.`,
  },
};

function spreadText(row: ResultRow): string {
  const std = row.seedSpread?.testAccuracy;
  return std === null || std === undefined ? '' : `; this run's std ${formatPoints(std)}`;
}

const isScoreKey = (key: string): key is ScoreKey => (SCORE_KEYS as readonly string[]).includes(key);

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

/** A cell's text; a mean row's scores carry their standard deviation over the seeds. */
function Cell({ row, columnKey }: { row: ResultRow; columnKey: (typeof RESULT_COLUMNS)[number]['key'] }): ReactNode {
  const std = isScoreKey(columnKey) ? row.seedSpread?.[columnKey] : null;
  return (
    <>
      {formatCell(row, columnKey)}
      {std !== null && std !== undefined && row[columnKey] !== null ? (
        <span className="seed-std" data-testid="seed-std" title="standard deviation over the seeds, in percentage points">
          {' '}
          ± {(std * 100).toFixed(2)}
        </span>
      ) : null}
      {columnKey === 'deltaTestAccuracy' && row.deltaNote ? (
        <span className="chip delta-note" data-testid="delta-note" data-note={row.deltaNote} title={DELTA_NOTE_TEXT[row.deltaNote].title(row)}>
          {DELTA_NOTE_TEXT[row.deltaNote].short}
        </span>
      ) : null}
    </>
  );
}

export function ResultsTable() {
  const entries = useCompare((s) => s.entries);
  const sort = useCompare((s) => s.sort);
  const [showSeeds, setShowSeeds] = useState(false);
  const table = useMemo(() => resultTable(entries), [entries]);
  const rows = table.configurations;
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
  const testCount = rows.find((row) => row.kind === 'baseline' && row.testCount !== null)?.testCount ?? null;
  return (
    <section className="panel compare-results" id="compare-results" tabIndex={-1} aria-labelledby="compare-results-title">
      <div className="chart-header">
        <h2 id="compare-results-title">Results</h2>
        <ResultsToolbar table={table} shown={shown} entries={entries} showSeeds={showSeeds} onShowSeeds={setShowSeeds} />
      </div>
      <div className="table-scroll">
        <table className="compare-table" data-testid="compare-table">
          <caption className="visually-hidden">Results of the compared runs; press a column header to sort by it.</caption>
          <ResultsHead sort={sort} />
          <tbody>
            {shown.flatMap((row) => {
              const runs = row.rowType === 'mean' ? (table.runsByGroup.get(row.group) ?? []) : [];
              return [
                <ConfigurationRow key={row.id} row={row} entry={byId.get(row.id)} runs={runs.length} />,
                ...(showSeeds ? runs : []).map((run) => <SeedRow key={run.id} run={run} group={row.group} entry={byId.get(run.id)} />),
              ];
            })}
          </tbody>
        </table>
      </div>
      <ResultsNote testCount={testCount} />
    </section>
  );
}

/** Above the table: "show each seed's run" (when some row has seeds) and the CSV / JSON downloads of the rows as sorted. */
function ResultsToolbar({ table, shown, entries, showSeeds, onShowSeeds }: {
  table: ComparisonTable;
  shown: readonly ResultRow[];
  entries: readonly CompareEntry[];
  showSeeds: boolean;
  onShowSeeds: (show: boolean) => void;
}) {
  const exportRows = exportedRows(shown, table.runsByGroup);
  // A mean row's configuration is its first seed's.
  const configs: Record<string, ExperimentConfig> = {};
  for (const entry of entries) {
    configs[entry.id] = entry.config;
    configs[entry.group] ??= entry.config;
  }
  return (
    <div className="button-row">
      {table.runsByGroup.size > 0 ? (
        <label className="toggle">
          <input type="checkbox" data-testid="compare-show-seeds" checked={showSeeds} onChange={(e) => onShowSeeds(e.target.checked)} />
          Show each seed&apos;s run
        </label>
      ) : null}
      <button type="button" data-testid="export-csv" onClick={() => downloadBlob('comparison.csv', new Blob([rowsToCsv(exportRows, configs)], { type: 'text/csv' }))}>
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
  );
}

/** The column headers: each a button that sorts by its column (aria-sort says how). */
function ResultsHead({ sort }: { sort: CompareState['sort'] }) {
  return (
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
  );
}

/** One configuration's row: a single run, the teacher, or the mean of a run repeated over `runs` seeds. */
function ConfigurationRow({ row, entry, runs }: { row: ResultRow; entry: CompareEntry | undefined; runs: number }) {
  return (
    <tr
      data-testid="compare-row"
      data-kind={row.kind}
      data-status={row.status}
      data-run={row.id}
      data-seeds={row.rowType === 'mean' ? row.seeds.length : undefined}
      className={`row-${row.kind} row-${row.status}`}
    >
      {RESULT_COLUMNS.map((column) =>
        column.key === 'label' ? (
          <th key={column.key} scope="row" className="run-cell">
            <RunCell row={row} entry={entry} runs={runs} />
          </th>
        ) : (
          <td key={column.key} className={column.numeric ? 'numeric' : undefined} data-column={column.key}>
            <Cell row={row} columnKey={column.key} />
          </td>
        ),
      )}
      <td>{entry ? <StudentActions entry={entry} /> : null}</td>
    </tr>
  );
}

/** One seed's run under its configuration's mean row (shown on demand), named by its seed. */
function SeedRow({ run, group, entry }: { run: ResultRow; group: string; entry: CompareEntry | undefined }) {
  return (
    <tr
      data-testid="compare-seed-row"
      data-group={group}
      data-run={run.id}
      data-seed={run.seed ?? undefined}
      data-status={run.status}
      className={`row-seed row-${run.status}`}
    >
      {RESULT_COLUMNS.map((column) =>
        column.key === 'label' ? (
          <th key={column.key} scope="row" className="run-cell seed-cell">
            <RunCell row={{ ...run, label: `seed ${run.seed}` }} entry={entry} runs={0} />
          </th>
        ) : (
          <td key={column.key} className={column.numeric ? 'numeric' : undefined} data-column={column.key}>
            {column.key === 'method' ? '' : <Cell row={run} columnKey={column.key} />}
          </td>
        ),
      )}
      <td>{entry ? <StudentActions entry={entry} /> : null}</td>
    </tr>
  );
}

/** Under the table: what the scores, Δ and its marks mean (one test image's worth, when the baseline has a test count). */
function ResultsNote({ testCount }: { testCount: number | null }) {
  return (
    <p className="muted small">
      Accuracies are on the val / test samples every run shares; MPA is the mean per-class accuracy; Δ is the difference to the student from scratch in
      percentage points.
      {testCount !== null ? ` One test image is ${formatPoints(1 / testCount)} (1 / ${testCount.toLocaleString('en')}): a Δ of at most that is marked “≤ 1 test image”.` : ''}{' '}
      A run repeated over several seeds shows the mean over its finished seeds ± their standard deviation (n − 1), its Δ is the difference of the means,
      and the Δ is marked “&gt; seed spread” when it is larger than the larger of the two standard deviations of test accuracy (the run&apos;s and the
      scratch baseline&apos;s), “&lt; seed spread” otherwise. Each seed&apos;s own row compares with the scratch run of the same seed.
    </p>
  );
}

function RunCell({ row, entry, runs }: { row: ResultRow; entry: CompareEntry | undefined; runs: number }) {
  return (
    <div className="run-label">
      <span>{row.label}</span>
      <span className="run-badges">
        {row.rowType === 'mean' ? (
          <span className="chip" data-testid="seed-count" title={`Seeds averaged: ${row.seeds.join(', ') || 'none yet'}`}>
            {row.seeds.length === runs ? `mean of ${runs} seeds` : `${row.seeds.length} of ${runs} seeds finished`}
          </span>
        ) : null}
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
  const pytorch = (
    <PytorchExportButton className="link-button" testId="compare-export-pytorch" label="PyTorch"
      request={() => ({ config: entry.config, terms: entry.result?.terms, student: files, labResult: entry.result ?? undefined, origin: `Compare row "${entry.label}"` })} />
  );
  if (!files) return entry.studentMessage ? <span className="muted small">{entry.studentMessage} {pytorch}</span> : pytorch;
  return (
    <div className="student-actions" role="group" aria-label={`Student of ${entry.label}`}>
      {pytorch}
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
