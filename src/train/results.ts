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
  /** The run's seed (null for the teacher). */
  seed: number | null;
  /** Test images scored (the confusion matrix's total); null without a result. */
  testCount: number | null;
  /**
   * Standard deviation of test accuracy over the seeds of this row's configuration, when at least
   * two seeds of it are in the table; null otherwise.
   */
  seedSpread: number | null;
  /** Why the Δ is not a difference: at most one test image, or smaller than the seed spread. */
  deltaNote: DeltaNote | null;
}

export type DeltaNote = 'within-one-image' | 'below-seed-spread';

function extrasOf(config: ExperimentConfig): Pick<ResultRow, 'ttaShift' | 'emaDecay' | 'rdropAlpha'> {
  return { ttaShift: config.ttaShift ?? 0, emaDecay: config.emaDecay ?? 0, rdropAlpha: config.rdropAlpha ?? 0 };
}

/** The configuration without its seed, keys sorted: rows with the same key differ only in seed. */
function sameRunKey(config: ExperimentConfig): string {
  const canonical = (value: unknown): unknown =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]))
      : value;
  return JSON.stringify(canonical({ ...config, seed: null }));
}

const confusionTotal = (confusion: readonly (readonly number[])[]) => confusion.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);

const EMPTY_SCORES = {
  valAccuracy: null,
  valMpa: null,
  testAccuracy: null,
  testMpa: null,
  testAccuracyTta: null,
  testMpaTta: null,
  parameters: null,
  seconds: null,
  testCount: null,
  seedSpread: null,
  deltaNote: null,
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
  const base: ResultRow = { id, label, kind, method: config.method, status: input.status, error, ...extrasOf(config), ...EMPTY_SCORES, deltaTestAccuracy: null, seed: config.seed };
  runKeys.set(base, sameRunKey(config));
  // A run that failed mid-way reports zeros: they are not scores.
  if (!result || result.status === 'error') return base;
  const scored: ResultRow = {
    ...base,
    valAccuracy: result.valAccuracy,
    valMpa: result.valMpa,
    testAccuracy: result.testAccuracy,
    testMpa: result.testMpa,
    testAccuracyTta: result.testAccuracyTta ?? null,
    testMpaTta: result.testMpaTta ?? null,
    parameters: result.studentParameters,
    seconds: result.seconds,
    testCount: result.confusion.length > 0 ? confusionTotal(result.confusion) : null,
  };
  runKeys.set(scored, sameRunKey(config));
  return scored;
}

// Which rows are the same configuration apart from the seed, without a field in the exports.
const runKeys = new WeakMap<ResultRow, string>();

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
    seed: null,
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
    testCount: evaluation.confusion.length > 0 ? confusionTotal(evaluation.confusion) : null,
  };
}

/** Sample standard deviation (n − 1); null under two values. */
export function sampleStd(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1));
}

/**
 * Every row's Δ test accuracy against the baseline (the first finished row of kind 'baseline');
 * all null when there is none. The baseline's own Δ is 0. A Δ of at most one test image
 * (1 / test images) or smaller than the seed spread (of the row's configuration or the baseline's, when
 * several seeds of it are in the table) gets a note: it is not a measured difference.
 */
export function withDeltas(rows: readonly ResultRow[]): ResultRow[] {
  const scores = new Map<string, Map<number, number>>();
  for (const row of rows) {
    const key = runKeys.get(row);
    if (key === undefined || row.testAccuracy === null || row.seed === null) continue;
    if (!scores.has(key)) scores.set(key, new Map());
    scores.get(key)!.set(row.seed, row.testAccuracy);
  }
  const spreadOf = (row: ResultRow | undefined) => {
    const key = row ? runKeys.get(row) : undefined;
    return key === undefined ? null : sampleStd([...(scores.get(key)?.values() ?? [])]);
  };
  const baseline = rows.find((row) => row.kind === 'baseline' && row.testAccuracy !== null);
  const reference = baseline?.testAccuracy ?? null;
  const baselineSpread = spreadOf(baseline);
  return rows.map((row) => {
    const delta = reference === null || row.testAccuracy === null ? null : row.testAccuracy - reference;
    const seedSpread = spreadOf(row);
    const spreads = [seedSpread, baselineSpread].filter((value): value is number => value !== null);
    let deltaNote: DeltaNote | null = null;
    if (delta !== null && row !== baseline && row.kind !== 'teacher') {
      // Accuracies on one test set differ by whole images: 0 or ±1 image is no evidence.
      if (row.testCount !== null && Math.abs(delta) * row.testCount < 1 + 1e-6) deltaNote = 'within-one-image';
      else if (spreads.length > 0 && Math.abs(delta) < Math.max(...spreads)) deltaNote = 'below-seed-spread';
    }
    const next = { ...row, deltaTestAccuracy: delta, seedSpread, deltaNote };
    const key = runKeys.get(row);
    if (key !== undefined) runKeys.set(next, key);
    return next;
  });
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
