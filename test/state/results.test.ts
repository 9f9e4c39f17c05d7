import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/train/config';
import type { RunResult } from '../../src/train/runTypes';
import {
  comparisonTable,
  exportedRows,
  parseCsv,
  rowsToCsv,
  runHeading,
  sameSetUp,
  rowsToJson,
  sameCurve,
  seedBand,
  sortRows,
  studentRow,
  summariseSeeds,
  teacherRow,
  withDeltas,
  type ResultRow,
  type RowStatus,
} from '../../src/state/results';

const kdConfig: ExperimentConfig = { ...DEFAULT_CONFIG, method: 'kd', params: { temperature: 4 } };
const scratchConfig: ExperimentConfig = { ...DEFAULT_CONFIG, method: 'none', params: {} };

function result(config: ExperimentConfig, testAccuracy: number, extra: Partial<RunResult> = {}): RunResult {
  return {
    config,
    status: 'done',
    testAccuracy,
    testMpa: testAccuracy - 0.01,
    testAccuracyTta: null,
    testMpaTta: null,
    valAccuracy: testAccuracy - 0.02,
    valMpa: testAccuracy - 0.03,
    perClassAccuracy: [],
    confusion: [],
    history: [],
    samplesPerSecond: 100,
    seconds: 12.3456,
    trainSeconds: 10,
    steps: 20,
    backend: 'cpu',
    teacherCached: true,
    studentParameters: 9_000,
    terms: [],
    labelledCount: 100,
    ...extra,
  };
}

function table(): ResultRow[] {
  return withDeltas([
    teacherRow({
      id: 'teacher',
      label: 'teacher',
      config: { ...kdConfig, ttaShift: 1 },
      status: 'done',
      evaluation: { valAccuracy: 0.98, valMpa: 0.97, testAccuracy: 1, testMpa: 1, testAccuracyTta: 0.99, testMpaTta: 0.985, perClassAccuracy: [], confusion: [] },
      parameters: 283_786,
      seconds: 0.5,
    }),
    studentRow({ id: 'scratch', label: 'student from scratch', config: scratchConfig, status: 'done', result: result(scratchConfig, 0.8) }),
    studentRow({ id: 'a', label: 'temperature=2', config: kdConfig, status: 'done', result: result(kdConfig, 0.85) }),
    studentRow({ id: 'b', label: 'temperature=8, "hot"', config: { ...kdConfig, emaDecay: 0.99 }, status: 'error', result: null, error: 'Out of memory, sorry' }),
    studentRow({ id: 'c', label: 'temperature=4', config: kdConfig, status: 'done', result: result(kdConfig, 0.75, { testAccuracyTta: 0.76, testMpaTta: 0.74 }) }),
  ]);
}

describe('result rows', () => {
  it('takes the scores from the run, the kind from the method, and the extras from the config', () => {
    const rows = table();
    expect(rows.map((r) => r.kind)).toEqual(['teacher', 'baseline', 'student', 'student', 'student']);
    expect(rows[2]).toMatchObject({ method: 'kd', valAccuracy: 0.83, testAccuracy: 0.85, testMpa: 0.84, parameters: 9_000, seconds: 12.3456 });
    expect(rows[4]).toMatchObject({ testAccuracyTta: 0.76, testMpaTta: 0.74 });
    expect(rows[0]).toMatchObject({ method: 'teacher', testAccuracyTta: 0.99, ttaShift: 1, parameters: 283_786 });
    expect(rows[3]).toMatchObject({ status: 'error', error: 'Out of memory, sorry', testAccuracy: null, emaDecay: 0.99 });
  });

  it('a run that failed mid-way has no scores even though its result holds zeros', () => {
    const failed = result(kdConfig, 0, { status: 'error', error: { message: 'NaN loss', step: 3, suggestion: '' } });
    const row = studentRow({ id: 'x', label: 'x', config: kdConfig, status: 'error', result: failed });
    expect(row.testAccuracy).toBeNull();
    expect(row.error).toBe('NaN loss');
  });

  it('Δ test accuracy is measured against the scratch baseline', () => {
    const rows = table();
    expect(rows.map((r) => r.deltaTestAccuracy)).toEqual([expect.closeTo(0.2, 12), 0, expect.closeTo(0.05, 12), null, expect.closeTo(-0.05, 12)]);
    const noBaseline = withDeltas(rows.filter((r) => r.kind !== 'baseline'));
    expect(noBaseline.every((r) => r.deltaTestAccuracy === null)).toBe(true);
  });

  it('marks a Δ of at most one test image (1 / test images scored)', () => {
    // 359 test images (Digits): one image is 1/359 = 0.28 points.
    const confusion = (correct: number) => [[correct, 359 - correct]];
    const scored = (config: ExperimentConfig, correct: number) => result(config, correct / 359, { confusion: confusion(correct) });
    const rows = withDeltas([
      studentRow({ id: 'scratch', label: 'scratch', config: scratchConfig, status: 'done', result: scored(scratchConfig, 350) }),
      studentRow({ id: 'same', label: 'same', config: kdConfig, status: 'done', result: scored(kdConfig, 350) }),
      studentRow({ id: 'one', label: 'one image', config: { ...kdConfig, kdRatio: 0.5 }, status: 'done', result: scored(kdConfig, 351) }),
      studentRow({ id: 'two', label: 'two images', config: { ...kdConfig, kdRatio: 0.6 }, status: 'done', result: scored(kdConfig, 348) }),
    ]);
    expect(rows.map((r) => r.testCount)).toEqual([359, 359, 359, 359]);
    expect(rows.map((r) => r.deltaNote)).toEqual([null, 'within-one-image', 'within-one-image', null]);
    expect(rows[2].deltaTestAccuracy).toBeCloseTo(1 / 359, 12);
    expect(rows[3].deltaTestAccuracy).toBeCloseTo(-2 / 359, 12);
  });

  it('sorts by a column either way, rows without a value last, ties in their original order', () => {
    const rows = table();
    expect(sortRows(rows, 'testAccuracy', 'descending').map((r) => r.id)).toEqual(['teacher', 'a', 'scratch', 'c', 'b']);
    expect(sortRows(rows, 'testAccuracy', 'ascending').map((r) => r.id)).toEqual(['c', 'scratch', 'a', 'teacher', 'b']);
    expect(sortRows(rows, 'testAccuracyTta', 'ascending').map((r) => r.id)).toEqual(['c', 'teacher', 'scratch', 'a', 'b']);
    expect(sortRows(rows, 'label', 'ascending').map((r) => r.label)).toEqual(['student from scratch', 'teacher', 'temperature=2', 'temperature=4', 'temperature=8, "hot"']);
    expect(sortRows(rows, 'method', 'ascending').map((r) => r.id)).toEqual(['a', 'b', 'c', 'scratch', 'teacher']);
  });

  it('CSV has a header and one line per row that a CSV reader reads back exactly', () => {
    const rows = table();
    const configs = { teacher: { ...kdConfig, ttaShift: 1 }, scratch: scratchConfig, a: { ...kdConfig, trainLimit: 200 }, b: kdConfig, c: kdConfig };
    const csv = rowsToCsv(rows, configs);
    expect(csv.endsWith('\r\n')).toBe(true);
    const parsed = parseCsv(csv);
    expect(parsed).toHaveLength(rows.length + 1);
    const header = parsed[0];
    expect(header).toEqual([
      'label', 'kind', 'method', 'dataset', 'student', 'teacher', 'temperature', 'kd_ratio', 'lr', 'batch_size', 'epochs', 'steps', 'train_limit', 'val_limit', 'test_limit', 'status', 'row_type', 'group', 'seed', 'seeds', 'tta_shift', 'ema_decay', 'rdrop_alpha', 'val_accuracy', 'val_mpa',
      'test_accuracy', 'test_mpa', 'test_accuracy_tta', 'test_mpa_tta', 'parameters', 'wall_seconds', 'delta_test_accuracy',
      'val_accuracy_std', 'val_mpa_std', 'test_accuracy_std', 'test_mpa_std', 'test_accuracy_tta_std', 'test_mpa_tta_std', 'delta_note', 'error',
    ]);
    const record = (i: number) => Object.fromEntries(header.map((name, j) => [name, parsed[i + 1][j]]));
    expect(record(3)).toMatchObject({ label: 'temperature=8, "hot"', status: 'error', ema_decay: '0.99', test_accuracy: '', error: 'Out of memory, sorry' });
    expect(record(2)).toMatchObject({ kind: 'student', row_type: 'run', seed: '1', seeds: '1', test_accuracy: '0.85', test_accuracy_std: '', wall_seconds: '12.346', delta_test_accuracy: '0.05', parameters: '9000' });
    expect(record(1)).toMatchObject({ kind: 'baseline', method: 'none', delta_test_accuracy: '0', teacher: '', kd_ratio: '', dataset: scratchConfig.dataset });
    // The set-up each row ran: what a spreadsheet groups the runs by.
    expect(record(2)).toMatchObject({
      dataset: kdConfig.dataset,
      student: kdConfig.student,
      teacher: kdConfig.teacher,
      temperature: String(kdConfig.params.temperature),
      kd_ratio: String(kdConfig.kdRatio),
      lr: String(kdConfig.lr),
      batch_size: String(kdConfig.batchSize),
      epochs: String(kdConfig.epochs),
      train_limit: '200',
      test_limit: kdConfig.testLimit === undefined ? '' : String(kdConfig.testLimit),
    });
    expect(record(0)).toMatchObject({ kind: 'teacher', test_accuracy_tta: '0.99', tta_shift: '1', seed: '', seeds: '0' });
    // The quoted label survives as one field.
    expect(csv).toContain('"temperature=8, ""hot"""');
  });

  it('JSON carries every row with its configuration', () => {
    const rows = table();
    const json = JSON.parse(rowsToJson(rows, { a: kdConfig }));
    expect(json.format).toBe('distillation-lab-comparison');
    expect(json.rows).toHaveLength(5);
    expect(json.rows[2]).toMatchObject({ id: 'a', testAccuracy: 0.85, config: { method: 'kd', params: { temperature: 4 } } });
    expect(json.rows[3]).toMatchObject({ id: 'b', testAccuracy: null, config: null });
  });
});

/** One run of `config` at `seed`, in group `group`, scoring `accuracy` on test (val 2 points lower). */
function seededRun(group: string, config: ExperimentConfig, seed: number, accuracy: number | null, status: RowStatus = 'done', extra: Partial<RunResult> = {}): ResultRow {
  const seeded = { ...config, seed };
  return studentRow({
    id: `${group}-seed${seed}`,
    label: group,
    config: seeded,
    status,
    result: accuracy === null ? null : result(seeded, accuracy, extra),
    error: status === 'error' ? 'NaN loss' : null,
    group,
  });
}

describe('seeds: one row per configuration with mean ± std, Δ of the means and the spread rule', () => {
  it('a configuration over seeds is one mean row: mean and sample std of each score over its finished seeds', () => {
    const rows = summariseSeeds([
      seededRun('kd', kdConfig, 1, 0.9),
      seededRun('kd', kdConfig, 2, 0.8),
      seededRun('kd', kdConfig, 3, 0.85),
      seededRun('kd', kdConfig, 4, 0.5, 'stopped'), // trained less: left out of the mean
      seededRun('kd', kdConfig, 5, null, 'error'),
      seededRun('alone', scratchConfig, 1, 0.7),
    ]);
    expect(rows).toHaveLength(2);
    const [kd, alone] = rows;
    expect(kd).toMatchObject({ id: 'kd', group: 'kd', rowType: 'mean', seed: null, seeds: [1, 2, 3], status: 'done', method: 'kd' });
    expect(kd.testAccuracy).toBeCloseTo(0.85, 12);
    expect(kd.valAccuracy).toBeCloseTo(0.83, 12);
    // Sample std (n − 1) of 0.9, 0.8, 0.85: sqrt((0.05² + 0.05² + 0) / 2) = 0.05.
    expect(kd.seedSpread?.testAccuracy).toBeCloseTo(0.05, 12);
    expect(kd.seedSpread?.testMpa).toBeCloseTo(0.05, 12);
    expect(kd.seedSpread?.testAccuracyTta).toBeNull();
    expect(kd.error).toBe('1 of 5 seeds failed: NaN loss');
    // A group of one is that run's row, untouched.
    expect(alone).toMatchObject({ id: 'alone-seed1', rowType: 'run', seed: 1, seeds: [1], seedSpread: null, testAccuracy: 0.7 });
  });

  it('the mean row is running while a seed runs, and has no spread under two finished seeds', () => {
    const [row] = summariseSeeds([seededRun('kd', kdConfig, 1, 0.9), seededRun('kd', kdConfig, 2, null, 'running'), seededRun('kd', kdConfig, 3, null, 'queued')]);
    expect(row).toMatchObject({ status: 'running', seeds: [1], testAccuracy: 0.9, seedSpread: null });
  });

  it('Δ of a mean row is the difference of the means; it is beyond the seed spread only when larger than the larger std of the two', () => {
    // Scratch: 0.80, 0.82, 0.84 (mean 0.82, std 0.02).
    const scratch = [0.8, 0.82, 0.84].map((a, i) => seededRun('scratch', scratchConfig, i + 1, a));
    // Mean 0.845, std 0.01: Δ 2.5 points > 2 points (larger std): beyond (2 × the standard error of the difference, 2.58 points, would say no).
    const beyond = [0.835, 0.845, 0.855].map((a, i) => seededRun('beyond', kdConfig, i + 1, a));
    // Mean 0.835, std 0.01: Δ 1.5 points < 2 points: within the spread although larger than this run's own std.
    const within = [0.825, 0.835, 0.845].map((a, i) => seededRun('within', { ...kdConfig, kdRatio: 0.5 }, i + 1, a));
    // One seed only: compared with the baseline's mean and std alone; 3 points is beyond 2.
    const single = seededRun('single', { ...kdConfig, kdRatio: 0.2 }, 1, 0.85);
    const table = comparisonTable([...scratch, ...beyond, ...within, single]);
    const byId = Object.fromEntries(table.configurations.map((row) => [row.id, row]));
    expect(table.configurations.map((row) => row.id)).toEqual(['scratch', 'beyond', 'within', 'single-seed1']);
    expect(byId.scratch.deltaTestAccuracy).toBe(0);
    expect(byId.scratch.deltaNote).toBeNull();
    expect(byId.beyond.deltaTestAccuracy).toBeCloseTo(0.025, 12);
    expect(byId.beyond.deltaNote).toBe('beyond-seed-spread');
    expect(byId.within.deltaTestAccuracy).toBeCloseTo(0.015, 12);
    expect(byId.within.seedSpread?.testAccuracy).toBeCloseTo(0.01, 12);
    expect(byId.within.deltaNote).toBe('below-seed-spread');
    expect(byId['single-seed1'].deltaTestAccuracy).toBeCloseTo(0.03, 12);
    expect(byId['single-seed1'].deltaNote).toBe('beyond-seed-spread');
    // Each seed's own row compares with the scratch run of the same seed (like with like), with no spread note.
    const beyondRuns = table.runsByGroup.get('beyond') ?? [];
    expect(beyondRuns.map((row) => row.deltaTestAccuracy)).toEqual([expect.closeTo(0.035, 12), expect.closeTo(0.025, 12), expect.closeTo(0.015, 12)]);
    expect(beyondRuns.map((row) => row.deltaNote)).toEqual([null, null, null]);
    // Groups of one have no per-seed rows.
    expect([...table.runsByGroup.keys()]).toEqual(['scratch', 'beyond', 'within']);
  });

  it('a Δ of means under one test image is marked as such, whatever the spread', () => {
    const confusion = [[990, 10]]; // 1,000 test images: one image is 0.1 points
    const scratch = [0.8, 0.9].map((a, i) => seededRun('scratch', scratchConfig, i + 1, a, 'done', { confusion }));
    const close = [0.8005, 0.9].map((a, i) => seededRun('close', kdConfig, i + 1, a, 'done', { confusion }));
    const row = comparisonTable([...scratch, ...close]).configurations[1];
    expect(row.deltaTestAccuracy).toBeCloseTo(0.00025, 12);
    expect(row.deltaNote).toBe('within-one-image');
  });

  it('the exports keep the mean rows and, under each, its seeds; the CSV says which is which', () => {
    const rows = [0.8, 0.84].map((a, i) => seededRun('scratch', scratchConfig, i + 1, a)).concat([0.9, 0.92].map((a, i) => seededRun('kd', kdConfig, i + 1, a)));
    const table = comparisonTable(rows);
    const exported = exportedRows(table.configurations, table.runsByGroup);
    expect(exported.map((row) => [row.id, row.rowType])).toEqual([
      ['scratch', 'mean'],
      ['scratch-seed1', 'run'],
      ['scratch-seed2', 'run'],
      ['kd', 'mean'],
      ['kd-seed1', 'run'],
      ['kd-seed2', 'run'],
    ]);
    const [header, ...records] = parseCsv(rowsToCsv(exported));
    const record = (i: number) => Object.fromEntries(header.map((name, j) => [name, records[i][j]]));
    expect(record(3)).toMatchObject({ row_type: 'mean', group: 'kd', seed: '', seeds: '2', test_accuracy: '0.91', delta_test_accuracy: '0.09', delta_note: 'beyond-seed-spread' });
    expect(Number(record(3).test_accuracy_std)).toBeCloseTo(Math.SQRT2 * 0.01, 12);
    expect(record(4)).toMatchObject({ row_type: 'run', group: 'kd', seed: '1', seeds: '1', test_accuracy: '0.9', test_accuracy_std: '', delta_test_accuracy: '0.1' });
    const json = JSON.parse(rowsToJson(exported));
    expect(json.rows.map((row: ResultRow) => row.rowType)).toEqual(['mean', 'run', 'run', 'mean', 'run', 'run']);
    expect(json.rows[3].seeds).toEqual([1, 2]);
  });
});

describe('curves across seeds', () => {
  const curve = (points: [number, number][]) => points.map(([step, value]) => ({ step, value }));

  it('the mean and the min–max band at each step of the curve that reaches furthest', () => {
    const band = seedBand([curve([[0, 1], [10, 0.5], [20, 0.2]]), curve([[0, 3], [10, 0.7], [20, 0.4]]), curve([[0, 2], [10, 0.9], [20, 0.3]])]);
    expect(band.map((p) => p.step)).toEqual([0, 10, 20]);
    expect(band.map((p) => p.mean)).toEqual([2, expect.closeTo(0.7, 12), expect.closeTo(0.3, 12)]);
    expect(band.map((p) => p.band)).toEqual([[1, 3], [0.5, 0.9], [0.2, 0.4]]);
    expect(band.map((p) => p.seeds)).toEqual([3, 3, 3]);
  });

  it('reads curves sampled at other steps linearly, and a shorter curve only within its range', () => {
    // The second seed was sampled at 5 and 15; the third is still training (up to step 10).
    const band = seedBand([curve([[0, 0], [10, 1], [20, 2]]), curve([[5, 1], [15, 3]]), curve([[0, 4], [10, 6]])]);
    expect(band.map((p) => p.step)).toEqual([0, 10, 20]);
    expect(band.map((p) => p.seeds)).toEqual([2, 3, 1]);
    expect(band[0].mean).toBe(2);
    // Step 10: 1, 2 (halfway between 1 at 5 and 3 at 15) and 6.
    expect(band[1].mean).toBeCloseTo(3, 12);
    expect(band[1].band).toEqual([1, 6]);
    expect(band[2]).toMatchObject({ mean: 2, band: [2, 2] });
    // Non-finite points are skipped; no curves, no band.
    expect(seedBand([curve([[0, Number.NaN], [1, 5]])]).map((p) => [p.step, p.mean])).toEqual([[1, 5]]);
    expect(seedBand([])).toEqual([]);
  });

  it('tells identical curves apart from close ones', () => {
    const a = curve([[1, 0.5], [2, 0.25]]);
    expect(sameCurve(a, curve([[1, 0.5], [2, 0.25]]))).toBe(true);
    expect(sameCurve(a, curve([[1, 0.5], [2, 0.2501]]))).toBe(false);
    expect(sameCurve(a, curve([[1, 0.5], [3, 0.25]]))).toBe(false);
    expect(sameCurve(a, curve([[1, 0.5]]))).toBe(false);
    expect(sameCurve([], [])).toBe(false);
  });
});

describe('a run\'s heading and whether its results still fit', () => {
  it('names dataset, student, method and knobs, length and seed; a changed knob, dataset or seed makes it another set-up', () => {
    expect(runHeading({ ...kdConfig, epochs: 6, trainLimit: 200 }, 'Digits')).toBe(`Digits · ${kdConfig.student} · kd temperature=4 kd_ratio=${kdConfig.kdRatio} · 6 epochs · 200 training images · seed ${kdConfig.seed}`);
    expect(runHeading({ ...scratchConfig, untilStopped: true }, 'MNIST')).toMatch(/^MNIST · .* · student from scratch · until stopped · seed/);
    // An additive method's kdRatio is its term's weight, not a share: "weight=1000", never "kd_ratio=1000".
    expect(runHeading({ ...kdConfig, method: 'at', params: { p: 2 }, kdRatio: 1000, epochs: 2 }, 'Digits')).toBe(`Digits · ${kdConfig.student} · at p=2 weight=1000 · 2 epochs · seed ${kdConfig.seed}`);
    expect(sameSetUp(kdConfig, structuredClone(kdConfig))).toBe(true);
    expect(sameSetUp(kdConfig, { ...kdConfig, dataset: 'mnist' })).toBe(false);
    expect(sameSetUp(kdConfig, { ...kdConfig, params: { temperature: 8 } })).toBe(false);
    expect(sameSetUp(kdConfig, { ...kdConfig, seed: kdConfig.seed + 1 })).toBe(false);
  });
});
