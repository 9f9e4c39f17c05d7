import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/train/config';
import type { RunResult } from '../../src/train/runExperiment';
import { parseCsv, rowsToCsv, rowsToJson, sortRows, studentRow, teacherRow, withDeltas, type ResultRow } from '../../src/train/results';

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

  it('with several seeds of a configuration, marks a Δ within their spread (sample std) and reports it', () => {
    const seeded = (config: ExperimentConfig, seed: number, accuracy: number, id: string) =>
      studentRow({ id, label: id, config: { ...config, seed }, status: 'done', result: result({ ...config, seed }, accuracy, { confusion: [[1000]] }) });
    const rows = withDeltas([
      seeded(scratchConfig, 1, 0.8, 'scratch-1'),
      seeded(scratchConfig, 2, 0.9, 'scratch-2'),
      seeded(scratchConfig, 3, 0.82, 'scratch-3'),
      seeded(kdConfig, 1, 0.85, 'kd-1'), // +5 points: within the scratch spread (std 5.3 points)
      seeded({ ...kdConfig, kdRatio: 0.5 }, 1, 0.95, 'other'), // +15 points: outside it
    ]);
    expect(rows[0].seedSpread).toBeCloseTo(Math.sqrt(0.0028), 12);
    expect(rows[3].seedSpread).toBeNull(); // one seed of its own configuration
    // Seed 2 of scratch is 10 points above seed 1: more than the spread; seed 3 is within it.
    expect(rows.map((r) => r.deltaNote)).toEqual([null, null, 'below-seed-spread', 'below-seed-spread', null]);
    // Without the other seeds there is no spread to compare with.
    expect(withDeltas([rows[0], rows[3]]).map((r) => r.deltaNote)).toEqual([null, null]);
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
    const csv = rowsToCsv(rows);
    expect(csv.endsWith('\r\n')).toBe(true);
    const parsed = parseCsv(csv);
    expect(parsed).toHaveLength(rows.length + 1);
    const header = parsed[0];
    expect(header).toEqual([
      'label', 'kind', 'method', 'status', 'tta_shift', 'ema_decay', 'rdrop_alpha', 'val_accuracy', 'val_mpa', 'test_accuracy', 'test_mpa',
      'test_accuracy_tta', 'test_mpa_tta', 'parameters', 'wall_seconds', 'delta_test_accuracy', 'error',
    ]);
    const record = (i: number) => Object.fromEntries(header.map((name, j) => [name, parsed[i + 1][j]]));
    expect(record(3)).toMatchObject({ label: 'temperature=8, "hot"', status: 'error', ema_decay: '0.99', test_accuracy: '', error: 'Out of memory, sorry' });
    expect(record(2)).toMatchObject({ kind: 'student', test_accuracy: '0.85', wall_seconds: '12.346', delta_test_accuracy: '0.05', parameters: '9000' });
    expect(record(1)).toMatchObject({ kind: 'baseline', method: 'none', delta_test_accuracy: '0' });
    expect(record(0)).toMatchObject({ kind: 'teacher', test_accuracy_tta: '0.99', tta_shift: '1' });
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
