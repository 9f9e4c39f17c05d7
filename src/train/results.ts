// The comparison table as data: one row per run (and the teacher), Δ test accuracy against the
// "student from scratch" baseline, sorting, and CSV / JSON export. Pure: no DOM.
import type { ExperimentConfig } from './config';
import type { RunResult } from './runExperiment';
import type { TeacherEvaluation } from './evaluate';

/** teacher: the frozen teacher evaluated; baseline: the student from scratch (method none); student: a distilled (or other) run. */
export type RowKind = 'teacher' | 'baseline' | 'student';
export type RowStatus = 'queued' | 'running' | 'done' | 'stopped' | 'error' | 'cancelled';

export interface ResultRow {
  id: string;
  label: string;
  kind: RowKind;
  /** Method id ('none' for the baseline, 'teacher' for the teacher row). */
  method: string;
  status: RowStatus;
  error: string | null;
  /** Training extras that were on: TTA shift in pixels, EMA decay, R-Drop alpha (0 = off). */
  ttaShift: number;
  emaDecay: number;
  rdropAlpha: number;
  valAccuracy: number | null;
  valMpa: number | null;
  testAccuracy: number | null;
  testMpa: number | null;
  testAccuracyTta: number | null;
  testMpaTta: number | null;
  parameters: number | null;
  /** Wall time of the run (or of the teacher's evaluation), seconds. */
  seconds: number | null;
  /** Test accuracy minus the baseline's; null when either is missing. */
  deltaTestAccuracy: number | null;
}

function extrasOf(config: ExperimentConfig): Pick<ResultRow, 'ttaShift' | 'emaDecay' | 'rdropAlpha'> {
  return { ttaShift: config.ttaShift ?? 0, emaDecay: config.emaDecay ?? 0, rdropAlpha: config.rdropAlpha ?? 0 };
}

const EMPTY_SCORES = {
  valAccuracy: null,
  valMpa: null,
  testAccuracy: null,
  testMpa: null,
  testAccuracyTta: null,
  testMpaTta: null,
  parameters: null,
  seconds: null,
} as const;

/** A student's row; `result` is null while it is queued or running, or when it failed before ending. */
export function studentRow(input: {
  id: string;
  label: string;
  config: ExperimentConfig;
  status: RowStatus;
  result: RunResult | null;
  error?: string | null;
}): ResultRow {
  const { id, label, config, result } = input;
  const kind: RowKind = config.method === 'none' ? 'baseline' : 'student';
  const error = input.error ?? result?.error?.message ?? null;
  const base: ResultRow = { id, label, kind, method: config.method, status: input.status, error, ...extrasOf(config), ...EMPTY_SCORES, deltaTestAccuracy: null };
  // A run that failed mid-way reports zeros: they are not scores.
  if (!result || result.status === 'error') return base;
  return {
    ...base,
    valAccuracy: result.valAccuracy,
    valMpa: result.valMpa,
    testAccuracy: result.testAccuracy,
    testMpa: result.testMpa,
    testAccuracyTta: result.testAccuracyTta ?? null,
    testMpaTta: result.testMpaTta ?? null,
    parameters: result.studentParameters,
    seconds: result.seconds,
  };
}

export function teacherRow(input: {
  id: string;
  label: string;
  config: ExperimentConfig;
  status: RowStatus;
  evaluation: TeacherEvaluation | null;
  parameters: number | null;
  seconds: number | null;
  error?: string | null;
}): ResultRow {
  const { evaluation } = input;
  const row: ResultRow = {
    id: input.id,
    label: input.label,
    kind: 'teacher',
    method: 'teacher',
    status: input.status,
    error: input.error ?? null,
    ttaShift: input.config.ttaShift ?? 0,
    emaDecay: 0,
    rdropAlpha: 0,
    ...EMPTY_SCORES,
    deltaTestAccuracy: null,
  };
  if (!evaluation) return row;
  return {
    ...row,
    valAccuracy: evaluation.valAccuracy,
    valMpa: evaluation.valMpa,
    testAccuracy: evaluation.testAccuracy,
    testMpa: evaluation.testMpa,
    testAccuracyTta: evaluation.testAccuracyTta,
    testMpaTta: evaluation.testMpaTta,
    parameters: input.parameters,
    seconds: input.seconds,
  };
}

/**
 * Every row's Δ test accuracy against the baseline (the first finished row of kind 'baseline');
 * all null when there is none. The baseline's own Δ is 0.
 */
export function withDeltas(rows: readonly ResultRow[]): ResultRow[] {
  const baseline = rows.find((row) => row.kind === 'baseline' && row.testAccuracy !== null);
  const reference = baseline?.testAccuracy ?? null;
  return rows.map((row) => ({
    ...row,
    deltaTestAccuracy: reference === null || row.testAccuracy === null ? null : row.testAccuracy - reference,
  }));
}

export type SortKey =
  | 'label'
  | 'method'
  | 'valAccuracy'
  | 'valMpa'
  | 'testAccuracy'
  | 'testMpa'
  | 'testAccuracyTta'
  | 'testMpaTta'
  | 'parameters'
  | 'seconds'
  | 'deltaTestAccuracy';
export type SortDirection = 'ascending' | 'descending';

/** The table's columns in order, with their headers and CSV names. */
export const RESULT_COLUMNS: readonly { key: SortKey; header: string; csv: string; numeric: boolean }[] = [
  { key: 'label', header: 'Run', csv: 'label', numeric: false },
  { key: 'method', header: 'Method', csv: 'method', numeric: false },
  { key: 'valAccuracy', header: 'Val acc.', csv: 'val_accuracy', numeric: true },
  { key: 'valMpa', header: 'Val MPA', csv: 'val_mpa', numeric: true },
  { key: 'testAccuracy', header: 'Test acc.', csv: 'test_accuracy', numeric: true },
  { key: 'testMpa', header: 'Test MPA', csv: 'test_mpa', numeric: true },
  { key: 'testAccuracyTta', header: 'Test acc. (TTA)', csv: 'test_accuracy_tta', numeric: true },
  { key: 'testMpaTta', header: 'Test MPA (TTA)', csv: 'test_mpa_tta', numeric: true },
  { key: 'parameters', header: 'Parameters', csv: 'parameters', numeric: true },
  { key: 'seconds', header: 'Wall time', csv: 'wall_seconds', numeric: true },
  { key: 'deltaTestAccuracy', header: 'Δ test acc. vs scratch', csv: 'delta_test_accuracy', numeric: true },
];

/**
 * Rows sorted by one column; rows without a value (queued, failed) always come last, and ties
 * keep their order (a stable sort), so the table does not jump while runs finish.
 */
export function sortRows(rows: readonly ResultRow[], key: SortKey, direction: SortDirection): ResultRow[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      const x = a.row[key];
      const y = b.row[key];
      if (x === null && y === null) return a.index - b.index;
      if (x === null) return 1;
      if (y === null) return -1;
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'en', { numeric: true });
      return order !== 0 ? sign * order : a.index - b.index;
    })
    .map(({ row }) => row);
}

const CSV_HEADER = ['label', 'kind', 'method', 'status', 'tta_shift', 'ema_decay', 'rdrop_alpha', ...RESULT_COLUMNS.slice(2).map((c) => c.csv), 'error'];

/** RFC 4180: quote a field that holds a comma, a quote or a line break; double its quotes. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? String(value) : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The rows as CSV: accuracies as fractions in [0, 1], empty cells for missing values, CRLF line ends. */
export function rowsToCsv(rows: readonly ResultRow[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const row of rows) {
    const fields: (string | number | null)[] = [
      row.label,
      row.kind,
      row.method,
      row.status,
      row.ttaShift,
      row.emaDecay,
      row.rdropAlpha,
      row.valAccuracy,
      row.valMpa,
      row.testAccuracy,
      row.testMpa,
      row.testAccuracyTta,
      row.testMpaTta,
      row.parameters,
      row.seconds === null ? null : Number(row.seconds.toFixed(3)),
      row.deltaTestAccuracy === null ? null : Number(row.deltaTestAccuracy.toPrecision(12)),
      row.error,
    ];
    lines.push(fields.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The rows as JSON, with the configuration each run used (by row id) so a comparison can be rerun. */
export function rowsToJson(rows: readonly ResultRow[], configs: Readonly<Record<string, ExperimentConfig>> = {}): string {
  return JSON.stringify(
    {
      format: 'distillation-lab-comparison',
      version: 1,
      rows: rows.map((row) => ({ ...row, config: configs[row.id] ?? null })),
    },
    null,
    2,
  );
}

/** Parse one CSV document (RFC 4180) into rows of fields: what a spreadsheet reads back. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** A short name for a run: "kd temperature=4 kd_ratio=0.9 +EMA", "student from scratch". */
export function runLabel(config: ExperimentConfig): string {
  const parts: string[] = [];
  if (config.method === 'none') parts.push('student from scratch');
  else if (config.terms) parts.push(config.terms.map((term) => `${term.method}×${term.weight}`).join(' + '));
  else {
    parts.push(config.method);
    for (const [name, value] of Object.entries(config.params)) parts.push(`${name}=${value}`);
    parts.push(`kd_ratio=${config.kdRatio}`);
  }
  if (config.ttaShift) parts.push(`+TTA±${config.ttaShift}`);
  if (config.emaDecay) parts.push(`+EMA ${config.emaDecay}`);
  if (config.rdropAlpha) parts.push(`+R-Drop ${config.rdropAlpha}`);
  return parts.join(' ');
}
