// The comparison table as data: one row per run (and the teacher), one row per configuration run
// over several seeds (mean and standard deviation of each score), Δ test accuracy against the
// "student from scratch" baseline, sorting, CSV / JSON export, and the curves' mean and band
// across seeds. Pure: no DOM.
import { usesTeacher, type ExperimentConfig } from '../train/config';
import { hasMethod, methodSpec } from '../kd/methods';
import { mean, sampleStd } from '../core/stats';
import type { RunResult } from '../train/runTypes';
import type { TeacherEvaluation } from '../train/evaluate';

/** teacher: the frozen teacher evaluated; baseline: the student from scratch (method none); student: a distilled (or other) run. */
export type RowKind = 'teacher' | 'baseline' | 'student';
export type RowStatus = 'queued' | 'running' | 'done' | 'stopped' | 'error' | 'cancelled';

/** The scores a row reports, each a fraction in [0, 1]. */
export const SCORE_KEYS = ['valAccuracy', 'valMpa', 'testAccuracy', 'testMpa', 'testAccuracyTta', 'testMpaTta'] as const;
export type ScoreKey = (typeof SCORE_KEYS)[number];
export type ScoreSpread = Record<ScoreKey, number | null>;

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
  /** Wall time of the run (or of the teacher's evaluation), seconds; a mean row's is the mean per run. */
  seconds: number | null;
  /** Test accuracy minus the baseline's; null when either is missing. A mean row's is the difference of the means. */
  deltaTestAccuracy: number | null;
  /** Rows of one group are the same configuration, seeds apart. */
  group: string;
  /** 'run': one run (or the teacher); 'mean': the mean over the finished seeds of its group. */
  rowType: 'run' | 'mean';
  /** The run's seed (null for the teacher and for a mean row). */
  seed: number | null;
  /** The seeds the scores come from: the run's own, or the finished seeds a mean row averages. */
  seeds: number[];
  /** Test images scored (the confusion matrix's total); null without a result. */
  testCount: number | null;
  /** Sample standard deviation of each score over a mean row's seeds; null under two seeds. */
  seedSpread: ScoreSpread | null;
  /** What the Δ amounts to: at most one test image, or within / beyond the seed spread. */
  deltaNote: DeltaNote | null;
}

/**
 * within-one-image and below-seed-spread: not a difference between methods; beyond-seed-spread:
 * the difference of the means is larger than the larger standard deviation of the two.
 */
export type DeltaNote = 'within-one-image' | 'below-seed-spread' | 'beyond-seed-spread';

function extrasOf(config: ExperimentConfig): Pick<ResultRow, 'ttaShift' | 'emaDecay' | 'rdropAlpha'> {
  return { ttaShift: config.ttaShift ?? 0, emaDecay: config.emaDecay ?? 0, rdropAlpha: config.rdropAlpha ?? 0 };
}

/** The configuration without its seed, keys sorted: configurations with the same key differ only in seed. */
export function configurationKey(config: ExperimentConfig): string {
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

/** A student's row; `result` is null while it is queued or running, or when it failed before ending. `group` defaults to the row's id. */
export function studentRow(input: {
  id: string;
  label: string;
  config: ExperimentConfig;
  status: RowStatus;
  result: RunResult | null;
  error?: string | null;
  group?: string;
}): ResultRow {
  const { id, label, config, result } = input;
  const kind: RowKind = config.method === 'none' ? 'baseline' : 'student';
  const error = input.error ?? result?.error?.message ?? null;
  const base: ResultRow = {
    id,
    label,
    kind,
    method: config.method,
    status: input.status,
    error,
    ...extrasOf(config),
    ...EMPTY_SCORES,
    deltaTestAccuracy: null,
    group: input.group ?? id,
    rowType: 'run',
    seed: config.seed,
    seeds: [config.seed],
  };
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
    testCount: result.confusion.length > 0 ? confusionTotal(result.confusion) : null,
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
    group: input.id,
    rowType: 'run',
    seed: null,
    seeds: [],
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

/**
 * One row per group, in the order the groups first appear: a group of one run is that run's row; a
 * group of several is a 'mean' row whose scores are the means over its finished ('done') seeds,
 * with their sample standard deviations. Runs that stopped early or failed are left out of the
 * mean: they did not train the same length.
 */
export function summariseSeeds(rows: readonly ResultRow[]): ResultRow[] {
  const groups = new Map<string, ResultRow[]>();
  for (const row of rows) groups.set(row.group, [...(groups.get(row.group) ?? []), row]);
  return [...groups.entries()].map(([group, runs]) => (runs.length === 1 ? runs[0] : meanRow(group, runs)));
}

function meanRow(group: string, runs: readonly ResultRow[]): ResultRow {
  const first = runs[0];
  const finished = runs.filter((run) => run.status === 'done' && run.testAccuracy !== null);
  const scores = {} as Record<ScoreKey, number | null>;
  const spread = {} as ScoreSpread;
  for (const key of SCORE_KEYS) {
    const values = finished.map((run) => run[key]).filter((value): value is number => value !== null);
    scores[key] = values.length > 0 ? mean(values) : null;
    spread[key] = sampleStd(values);
  }
  const failed = runs.filter((run) => run.error);
  let status: RowStatus = first.status;
  if (runs.some((run) => run.status === 'running')) status = 'running';
  else if (runs.some((run) => run.status === 'queued')) status = 'queued';
  else if (finished.length > 0) status = 'done';
  return {
    ...first,
    id: group,
    status,
    error: failed.length > 0 ? `${failed.length} of ${runs.length} seeds failed: ${failed[0].error}` : null,
    ...scores,
    parameters: runs.find((run) => run.parameters !== null)?.parameters ?? null,
    seconds: finished.length > 0 ? mean(finished.map((run) => run.seconds ?? 0)) : null,
    testCount: finished.find((run) => run.testCount !== null)?.testCount ?? null,
    deltaTestAccuracy: null,
    group,
    rowType: 'mean',
    seed: null,
    seeds: finished.map((run) => run.seed).filter((seed): seed is number => seed !== null),
    seedSpread: finished.length >= 2 ? spread : null,
    deltaNote: null,
  };
}

/**
 * Every row's Δ test accuracy against its baseline: the finished 'baseline' row of the same seed
 * (so each seed compares like with like, and a mean row with the baseline's mean row), else the
 * first finished one; all null when there is none. A baseline's own Δ is 0. A Δ of at most one
 * test image (1 / test images) is marked; so is, when the row or the baseline has a seed spread,
 * whether |Δ| is beyond the larger standard deviation of test accuracy of the two.
 */
export function withDeltas(rows: readonly ResultRow[]): ResultRow[] {
  const baselines = rows.filter((row) => row.kind === 'baseline' && row.testAccuracy !== null);
  return rows.map((row) => {
    const reference = baselines.find((b) => b.seed === row.seed) ?? baselines[0];
    const delta = !reference || row.testAccuracy === null ? null : row.testAccuracy - (reference.testAccuracy as number);
    const spreads = [row.seedSpread?.testAccuracy, reference?.seedSpread?.testAccuracy].filter((value): value is number => value !== null && value !== undefined);
    let deltaNote: DeltaNote | null = null;
    if (delta !== null && row !== reference && row.kind !== 'teacher') {
      // Accuracies on one test set differ by whole images: 0 or ±1 image is no evidence.
      if (row.testCount !== null && Math.abs(delta) * row.testCount < 1 + 1e-6) deltaNote = 'within-one-image';
      else if (spreads.length > 0) deltaNote = Math.abs(delta) > Math.max(...spreads) ? 'beyond-seed-spread' : 'below-seed-spread';
    }
    return { ...row, deltaTestAccuracy: delta, deltaNote };
  });
}

/** The comparison as the table shows it: one row per configuration, and each seed's run of the configurations run over several. */
export interface ComparisonTable {
  configurations: ResultRow[];
  /** The runs of each group of two or more, by group, in their order. */
  runsByGroup: ReadonlyMap<string, ResultRow[]>;
}

export function comparisonTable(rows: readonly ResultRow[]): ComparisonTable {
  const runs = withDeltas(rows);
  const runsByGroup = new Map<string, ResultRow[]>();
  for (const run of runs) runsByGroup.set(run.group, [...(runsByGroup.get(run.group) ?? []), run]);
  for (const [group, members] of runsByGroup) if (members.length < 2) runsByGroup.delete(group);
  return { configurations: withDeltas(summariseSeeds(rows)), runsByGroup };
}

/** What the exports hold: each configuration row, followed by its seeds' rows when it has several. */
export function exportedRows(configurations: readonly ResultRow[], runsByGroup: ReadonlyMap<string, readonly ResultRow[]>): ResultRow[] {
  return configurations.flatMap((row) => (row.rowType === 'mean' ? [row, ...(runsByGroup.get(row.group) ?? [])] : [row]));
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

/** The set-up columns of the CSV, from the row's configuration: a spreadsheet can group and filter by them. */
const CONFIG_COLUMNS: readonly { csv: string; value: (config: ExperimentConfig) => string | number | null }[] = [
  { csv: 'dataset', value: (config) => config.dataset },
  { csv: 'student', value: (config) => config.student },
  { csv: 'teacher', value: (config) => (usesTeacher(config) ? config.teacher : null) },
  { csv: 'temperature', value: (config) => config.params.temperature ?? null },
  { csv: 'kd_ratio', value: (config) => (config.method === 'none' ? null : config.kdRatio) },
  { csv: 'lr', value: (config) => config.lr },
  { csv: 'batch_size', value: (config) => config.batchSize },
  { csv: 'epochs', value: (config) => (config.steps === undefined ? config.epochs : null) },
  { csv: 'steps', value: (config) => config.steps ?? null },
  { csv: 'train_limit', value: (config) => config.trainLimit ?? null },
  { csv: 'val_limit', value: (config) => config.valLimit ?? null },
  { csv: 'test_limit', value: (config) => config.testLimit ?? null },
];

const CSV_HEADER = [
  'label',
  'kind',
  'method',
  ...CONFIG_COLUMNS.map((column) => column.csv),
  'status',
  'row_type',
  'group',
  'seed',
  'seeds',
  'tta_shift',
  'ema_decay',
  'rdrop_alpha',
  ...RESULT_COLUMNS.slice(2).map((c) => c.csv),
  ...SCORE_KEYS.map((key) => `${RESULT_COLUMNS.find((c) => c.key === key)?.csv}_std`),
  'delta_note',
  'error',
];

/** RFC 4180: quote a field that holds a comma, a quote or a line break; double its quotes. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? String(value) : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The rows as CSV: the set-up each row ran (from `configs`, by row id or group), accuracies as
 * fractions in [0, 1], empty cells for missing values, CRLF line ends. A 'mean' row has no seed,
 * the number of seeds it averages and the std of each score.
 */
export function rowsToCsv(rows: readonly ResultRow[], configs: Readonly<Record<string, ExperimentConfig>> = {}): string {
  const lines = [CSV_HEADER.join(',')];
  for (const row of rows) {
    const config = configs[row.id] ?? configs[row.group];
    const fields: (string | number | null)[] = [
      row.label,
      row.kind,
      row.method,
      ...CONFIG_COLUMNS.map((column) => (config ? column.value(config) : null)),
      row.status,
      row.rowType,
      row.group,
      row.seed,
      row.seeds.length,
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
      ...SCORE_KEYS.map((key) => row.seedSpread?.[key] ?? null),
      row.deltaNote,
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

/**
 * What a run was, for the heading of its results: "Digits · tiny-cnn · kd temperature=4 kd_ratio=0.9
 * · 6 epochs · seed 1" (the dataset by the name the page shows).
 */
export function runHeading(config: ExperimentConfig, datasetName: string): string {
  const length = config.untilStopped ? 'until stopped' : config.steps !== undefined ? `${config.steps.toLocaleString('en')} steps` : `${config.epochs} epoch${config.epochs === 1 ? '' : 's'}`;
  const limit = config.trainLimit !== undefined ? ` · ${config.trainLimit.toLocaleString('en')} training images` : '';
  return `${datasetName} · ${config.student} · ${runLabel(config)} · ${length}${limit} · seed ${config.seed}`;
}

/** Whether results of a run started from `ran` still describe the set-up `now` (the same knobs and seed). */
export function sameSetUp(ran: ExperimentConfig, now: ExperimentConfig): boolean {
  return ran.seed === now.seed && configurationKey(ran) === configurationKey(now);
}

/** A short name for a run: "kd temperature=4 kd_ratio=0.9 +EMA", "at p=2 weight=1000", "student from scratch". */
export function runLabel(config: ExperimentConfig): string {
  const parts: string[] = [];
  if (config.method === 'none') parts.push('student from scratch');
  else if (config.terms) parts.push(config.terms.map((term) => `${term.method}×${term.weight}`).join(' + '));
  else {
    parts.push(config.method);
    for (const [name, value] of Object.entries(config.params)) parts.push(`${name}=${value}`);
    // kd's kd_ratio is a share of the loss; every other method adds its term with that weight.
    const ratio = hasMethod(config.method) && methodSpec(config.method).mixing === 'ratio';
    parts.push(`${ratio ? 'kd_ratio' : 'weight'}=${config.kdRatio}`);
  }
  if (config.ttaShift) parts.push(`+TTA±${config.ttaShift}`);
  if (config.emaDecay) parts.push(`+EMA ${config.emaDecay}`);
  if (config.rdropAlpha) parts.push(`+R-Drop ${config.rdropAlpha}`);
  return parts.join(' ');
}

/** One point of a configuration's curve across seeds: the mean, and the lowest and highest seed. */
export interface BandPoint {
  step: number;
  mean: number;
  /** [lowest, highest] seed at this step: the band drawn around the mean. */
  band: [number, number];
  /** Seeds with a value at this step. */
  seeds: number;
}

/**
 * The mean curve of several seeds with its min–max band, at the steps of the curve that reaches
 * furthest. Seeds' curves may be sampled at other steps (a decimated curve, a run still training):
 * each is read linearly between its points, and counts only within its own range.
 */
export function seedBand(curves: readonly (readonly { step: number; value: number }[])[]): BandPoint[] {
  const clean = curves.map((curve) => curve.filter((point) => Number.isFinite(point.value))).filter((curve) => curve.length > 0);
  if (clean.length === 0) return [];
  const reach = (curve: readonly { step: number }[]) => curve[curve.length - 1].step;
  const grid = clean.reduce((best, curve) => (reach(curve) > reach(best) || (reach(curve) === reach(best) && curve.length > best.length) ? curve : best));
  // The grid's steps only grow: each curve is walked once, its cursor at the first point at or after the step.
  const cursors = clean.map(() => 0);
  return grid.map(({ step }) => {
    const values: number[] = [];
    clean.forEach((curve, c) => {
      if (step < curve[0].step || step > reach(curve)) return;
      while (curve[cursors[c]].step < step) cursors[c]++;
      const high = curve[cursors[c]];
      if (high.step === step) values.push(high.value);
      else {
        const low = curve[cursors[c] - 1];
        values.push(low.value + ((high.value - low.value) * (step - low.step)) / (high.step - low.step));
      }
    });
    return { step, mean: mean(values), band: [Math.min(...values), Math.max(...values)], seeds: values.length };
  });
}

/** Two curves with the same steps and values within `tolerance`: drawn, one hides the other. */
export function sameCurve(a: readonly { step: number; value: number }[], b: readonly { step: number; value: number }[], tolerance = 1e-6): boolean {
  return a.length > 0 && a.length === b.length && a.every((point, i) => point.step === b[i].step && Math.abs(point.value - b[i].value) <= tolerance);
}
