// The Compare page over several seeds: a tiny Digits kd run and the scratch baseline, each over two
// seeds; the table's mean ± std rows, each seed's row, the curves' bands and the 0–100 % toggle.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseCsv } from '../../src/state/results';
import { test } from './harness';
import { openLab, setNumber, waitUntil } from './lab';

/** Tiny: 64 training samples, batches of 32, one epoch (2 steps), 60 val and 60 test images. */
const TINY =
  'dataset=digits&student=tiny-cnn&teacher=digits-teacher-cnn&method=kd&temperature=4&kd_ratio=0.5&lr=0.003&batch=32&epochs=1&seed=5&train_limit=64&val_limit=60&test_limit=60&eval_every=1';

const percent = (text: string) => Number.parseFloat(text) / 100;

test('Compare over 2 seeds: one mean ± std row per configuration, each seed on demand, bands on the curves, CSV with both', 420_000, async (t) => {
  const { page } = t;
  // The seeds' rows, bands and export are under test (the kd / dkd / dist comparison runs on WebGPU):
  // wasm (forced: no backend race) trains the five runs in seconds.
  await openLab(page, `${t.server.url}?${TINY}&backend=wasm`);
  await page.getByTestId('tab-compare').click();
  await page.getByTestId('compare-page').waitFor();
  await page.getByTestId('compare-add-run').click();
  await setNumber(page, 'compare-seeds-input', 2);
  const seedChips = await page.getByTestId('compare-planned-seeds').allTextContents();
  assert.deepEqual(seedChips, ['× 2 seeds: 5, 6']);

  await page.getByTestId('compare-start').click();
  await waitUntil(() => page.getByTestId('compare-progress').textContent(), (s) => /Run \d of 5/.test(s ?? ''), 60_000, 'the queue of 5 runs to start');
  // A seed's run is named with its seed while it trains.
  const seedProgress = await waitUntil(() => page.getByTestId('compare-progress').textContent(), (s) => /\(seed [56]\)/.test(s ?? ''), 120_000, 'a seed in the progress');
  await waitUntil(
    async () => ({ status: await page.getByTestId('compare-progress').getAttribute('data-status'), text: await page.getByTestId('compare-progress').textContent() }),
    (s) => s.status === 'idle',
    280_000,
    'the queue to end',
  );

  // One row per configuration: the teacher and three means of 2 seeds, each score with its std.
  const rows = await page.getByTestId('compare-row').evaluateAll((elements) =>
    elements.map((row) => ({
      id: row.getAttribute('data-run') ?? '',
      kind: row.getAttribute('data-kind') ?? '',
      status: row.getAttribute('data-status') ?? '',
      seeds: row.getAttribute('data-seeds'),
      test: row.querySelector('[data-column="testAccuracy"]')?.textContent ?? '',
      note: row.querySelector('[data-testid="delta-note"]')?.getAttribute('data-note') ?? null,
    })),
  );
  assert.deepEqual(
    rows.map((r) => [r.kind, r.status, r.seeds]),
    [
      ['teacher', 'done', null],
      ['baseline', 'done', '2'],
      ['student', 'done', '2'],
    ],
    JSON.stringify(rows),
  );
  for (const row of rows.slice(1)) assert.match(row.test, /^\d+\.\d\d% ± \d+\.\d\d$/, `a mean row shows mean ± std: ${row.test}`);
  // Every distilled mean says how its Δ compares with one test image or the seed spread.
  for (const row of rows.slice(2)) assert.ok(row.note !== null, `no Δ note on ${row.id}`);
  assert.equal(await page.getByTestId('compare-seed-row').count(), 0, 'seed rows are hidden until asked for');

  // Each seed's run, under its mean: the mean shown is the mean of the two seeds shown.
  await page.getByTestId('compare-show-seeds').check();
  const seedRows = await page.getByTestId('compare-seed-row').evaluateAll((elements) =>
    elements.map((row) => ({
      group: row.getAttribute('data-group') ?? '',
      seed: row.getAttribute('data-seed'),
      test: row.querySelector('[data-column="testAccuracy"]')?.textContent ?? '',
    })),
  );
  assert.deepEqual(seedRows.map((r) => r.seed), ['5', '6', '5', '6']);
  for (const row of rows.slice(1)) {
    const own = seedRows.filter((r) => r.group === row.id).map((r) => percent(r.test));
    assert.equal(own.length, 2, `two seed rows under ${row.id}`);
    const mean = (own[0] + own[1]) / 2;
    assert.ok(Math.abs(percent(row.test) - mean) <= 0.0001, `${row.id}: mean ${row.test} is not the mean of ${own.join(', ')}`);
  }

  // Curves: one mean line and one band per configuration; the accuracy axis spans 0–100 % on the toggle.
  const accuracy = page.getByTestId('compare-accuracy-chart');
  assert.equal((await accuracy.getAttribute('data-bands'))?.split(',').length, 2);
  const drawnBands = await accuracy.evaluate((chart) => chart.querySelectorAll('.recharts-area path').length);
  assert.ok(drawnBands >= 2, `2 bands should be drawn, found ${drawnBands} area paths`);
  const zoomed = await accuracy.getAttribute('data-y-domain');
  await page.getByTestId('compare-accuracy-full-range').check();
  assert.equal(await accuracy.getAttribute('data-y-domain'), '0,1');
  const identical = await page.getByTestId('compare-legend-identical').allTextContents();
  // ce and the distillation term on two axes: the kd run draws both, the scratch baseline only ce.
  await page.getByTestId('compare-loss-select').selectOption('ce+kd');
  const lossChart = page.getByTestId('compare-loss-chart');
  const twoAxes = await waitUntil(
    () => lossChart.evaluate((chart) => ({ axes: chart.querySelectorAll('.recharts-yAxis').length, lines: chart.querySelectorAll('path.recharts-line-curve').length })),
    (seen) => seen.axes === 2 && seen.lines === 3,
    5_000,
    'a second axis and the kd term beside ce',
  );
  assert.deepEqual(twoAxes, { axes: 2, lines: 3 });

  // The CSV keeps each mean row and, under it, its seeds.
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.getByTestId('export-csv').click()]);
  const file = await download.path();
  assert.ok(file);
  const [head, ...records] = parseCsv(await readFile(file, 'utf8'));
  const column = (name: string) => head.indexOf(name);
  assert.deepEqual(records.map((r) => `${r[column('row_type')]}:${r[column('seed')]}`), ['run:', 'mean:', 'run:5', 'run:6', 'mean:', 'run:5', 'run:6']);
  for (const record of records.filter((r) => r[column('row_type')] === 'mean')) assert.notEqual(record[column('test_accuracy_std')], '', 'a mean row has its std');
  t.note(`${seedProgress?.trim()}; means: ${rows.map((r) => `${r.test} (${r.note ?? '-'})`).join(' | ')}; zoomed accuracy axis ${zoomed}`);
  if (identical.length > 0) t.note(`legend: ${identical.join(' | ')}`);
});
