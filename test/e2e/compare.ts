// The Compare page: a queued comparison of three methods on Digits, overlaid curves, the results
// table and its CSV, saved runs across reloads, a storage failure, and the exported student
// loaded back as a teacher.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Download, Page } from 'playwright-core';
import { parseCsv } from '../../src/state/results';
import { test } from './harness';
import { chartGeometry, openLab, selectOption, setNumber, waitForStatus, waitUntil } from './lab';

/**
 * Small and quick: 256 training samples, batches of 32, two epochs (16 steps), evaluated every 4 steps.
 * The queue, the table and the saved runs are under test, not a backend's kernels: wasm (forced), the
 * backend the lab picks on machines like this one (the WebGPU path is scenarios.ts' and methods.ts').
 */
const QUICK = 'dataset=digits&student=tiny-cnn&teacher=digits-teacher-cnn&method=kd&temperature=4&kd_ratio=0.9&lr=0.003&batch=32&epochs=2&seed=5&train_limit=256&test_limit=120&eval_every=4&backend=wasm';

async function openCompare(page: Page, url: string): Promise<void> {
  await openLab(page, url);
  await page.getByTestId('tab-compare').click();
  await page.getByTestId('compare-page').waitFor();
}

async function savedRunIds(page: Page): Promise<string[]> {
  await page.getByText('Reading the saved runs…').waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
  return page.getByTestId('saved-run').evaluateAll((items) => items.map((item) => item.getAttribute('data-run') ?? ''));
}

async function downloadText(page: Page, testId: string, nth = 0): Promise<{ download: Download; path: string }> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.getByTestId(testId).nth(nth).click()]);
  const file = await download.path();
  assert.ok(file, `the ${testId} download has no file`);
  return { download, path: file };
}

/** The table as seen: per row its run id, kind, status, label and the test accuracy cell. */
async function tableRows(page: Page) {
  return page.getByTestId('compare-row').evaluateAll((rows) =>
    rows.map((row) => ({
      id: row.getAttribute('data-run') ?? '',
      kind: row.getAttribute('data-kind') ?? '',
      status: row.getAttribute('data-status') ?? '',
      label: row.querySelector('.run-label > span')?.textContent ?? '',
      test: row.querySelector('[data-column="testAccuracy"]')?.textContent ?? '',
      testTta: row.querySelector('[data-column="testAccuracyTta"]')?.textContent ?? '',
      delta: row.querySelector('[data-column="deltaTestAccuracy"]')?.textContent ?? '',
    })),
  );
}

// Shared with the reload test: the runs the comparison saved.
let comparisonRunIds: string[] = [];

test('Compare: kd, dkd and dist on Digits end in a table with the baseline and the teacher, overlaid curves, CSV, and a student that loads back as a teacher', 330_000, async (t) => {
  const { page } = t;
  await openCompare(page, `${t.server.url}?${QUICK}`);

  // One run picked in the form (kd with TTA ±1), two from a typed sweep over the method.
  await selectOption(page, 'compare-method-select', 'kd');
  await setNumber(page, 'compare-param-temperature-input', 2);
  await selectOption(page, 'compare-tta-select', '1');
  await page.getByTestId('compare-label-input').fill('kd T=2');
  await page.getByTestId('compare-add-run').click();
  await selectOption(page, 'compare-tta-select', '0');
  // A bad sweep is refused beside its input, naming the problem.
  await page.getByTestId('compare-sweep-input').fill('method kd, nope');
  await page.getByTestId('compare-add-sweep').click();
  const sweepProblem = await page.locator('.compare-form [role="alert"]').textContent();
  assert.match(sweepProblem ?? '', /unknown method "nope"/);
  await page.getByTestId('compare-sweep-input').fill('method dkd, dist');
  await page.getByTestId('compare-add-sweep').click();
  const planned = await page.getByTestId('compare-planned').locator('li').allTextContents();
  assert.equal(planned.length, 3, `three runs should be queued: ${planned.join(' | ')}`);

  const started = performance.now();
  await page.getByTestId('compare-start').click();
  await waitUntil(() => page.getByTestId('compare-progress').getAttribute('data-status'), (s) => s === 'running', 10_000, 'the queue to start');
  // The progress names the run and how many there are.
  const progress = await waitUntil(() => page.getByTestId('compare-progress').textContent(), (s) => /Run \d of 5/.test(s ?? ''), 60_000, 'the queue progress');
  await waitUntil(() => page.getByTestId('compare-progress').getAttribute('data-status'), (s) => s === 'idle', 280_000, 'the queue to end');
  const seconds = (performance.now() - started) / 1000;

  const rows = await tableRows(page);
  assert.deepEqual(rows.map((r) => r.kind), ['teacher', 'baseline', 'student', 'student', 'student'], JSON.stringify(rows));
  for (const row of rows) {
    assert.equal(row.status, 'done', `${row.label} ended ${row.status}: ${await page.getByTestId('compare-row-error').allTextContents()}`);
    assert.match(row.test, /^\d+\.\d\d%$/, `${row.label} shows no test accuracy`);
  }
  assert.deepEqual(rows.slice(1).map((r) => r.label), ['student from scratch', 'kd T=2', 'method=dkd', 'method=dist']);
  // TTA was on for one run: it, the baseline and the teacher have a TTA score, the others not.
  assert.deepEqual(rows.map((r) => r.testTta !== '—'), [true, true, true, false, false]);
  assert.equal(rows[1].delta, '±0.00 pp', 'the baseline is 0 pp from itself');

  // Curves: one line per student run (the baseline and three methods) on both charts.
  const loss = await chartGeometry(page, 'compare-loss-chart');
  const accuracy = await chartGeometry(page, 'compare-accuracy-chart');
  assert.equal(loss.lines, 4, `the loss chart should draw 4 runs, drew ${loss.lines}`);
  assert.equal(accuracy.lines, 4, `the accuracy chart should draw 4 runs, drew ${accuracy.lines}`);
  // Hide one run from its legend entry with the keyboard, then show it again.
  const legend = page.getByTestId('compare-legend-item');
  assert.equal(await legend.count(), 4);
  await legend.nth(2).focus();
  await page.keyboard.press('Enter');
  assert.equal(await legend.nth(2).getAttribute('aria-pressed'), 'false');
  await waitUntil(async () => (await chartGeometry(page, 'compare-loss-chart')).lines, (n) => n === 3, 5_000, 'the hidden run to leave the loss chart');
  assert.equal((await chartGeometry(page, 'compare-accuracy-chart')).lines, 3);
  await page.keyboard.press('Space');
  await waitUntil(async () => (await chartGeometry(page, 'compare-loss-chart')).lines, (n) => n === 4, 5_000, 'the run to come back');

  // Sorting by test accuracy: descending, then ascending, announced with aria-sort.
  const header = page.locator('th[data-column="testAccuracy"]');
  await header.getByRole('button').click();
  assert.equal(await header.getAttribute('aria-sort'), 'descending');
  const percent = (s: string) => Number.parseFloat(s);
  const descending = (await tableRows(page)).map((r) => percent(r.test));
  assert.deepEqual(descending, [...descending].sort((a, b) => b - a), `not sorted descending: ${descending}`);
  await header.getByRole('button').click();
  assert.equal(await header.getAttribute('aria-sort'), 'ascending');
  const ascending = (await tableRows(page)).map((r) => percent(r.test));
  assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b), `not sorted ascending: ${ascending}`);

  // CSV: a header and the five rows, with the numbers the table shows.
  const csvFile = await downloadText(page, 'export-csv');
  assert.equal(csvFile.download.suggestedFilename(), 'comparison.csv');
  const csv = await readFile(csvFile.path, 'utf8');
  const [head, ...records] = parseCsv(csv);
  assert.equal(records.length, 5, csv);
  const column = (name: string) => head.indexOf(name);
  const shown = await tableRows(page);
  assert.deepEqual(records.map((r) => r[column('label')]), shown.map((r) => r.label));
  assert.deepEqual(records.map((r) => r[column('kind')]).sort(), ['baseline', 'student', 'student', 'student', 'teacher']);
  records.forEach((record, i) => {
    const fraction = Number(record[column('test_accuracy')]);
    assert.equal(`${(fraction * 100).toFixed(2)}%`, shown[i].test, `CSV and table disagree on ${record[0]}`);
  });
  const jsonFile = await downloadText(page, 'export-json');
  const json = JSON.parse(await readFile(jsonFile.path, 'utf8'));
  assert.equal(json.rows.length, 5);
  assert.equal(json.rows.find((r: { kind: string }) => r.kind === 'baseline').config.method, 'none');

  // Every finished row was saved.
  comparisonRunIds = rows.map((r) => r.id);
  const saved = await savedRunIds(page);
  for (const id of comparisonRunIds) assert.ok(saved.includes(id), `${id} is not among the saved runs (${saved.join(', ')})`);

  // The kd student downloads as model.json + weights.bin and loads back as the Lab's teacher.
  const kdRow = page.locator('[data-testid="compare-row"]', { hasText: 'kd T=2' });
  const folder = await mkdtemp(path.join(os.tmpdir(), 'distillation-lab-student-'));
  try {
    const [modelDownload] = await Promise.all([page.waitForEvent('download'), kdRow.getByTestId('download-model-json').click()]);
    const [weightsDownload] = await Promise.all([page.waitForEvent('download'), kdRow.getByTestId('download-weights').click()]);
    assert.equal(modelDownload.suggestedFilename(), 'model.json');
    assert.equal(weightsDownload.suggestedFilename(), 'weights.bin');
    const modelPath = path.join(folder, 'model.json');
    const weightsPath = path.join(folder, 'weights.bin');
    await modelDownload.saveAs(modelPath);
    await weightsDownload.saveAs(weightsPath);
    const modelJson = JSON.parse(await readFile(modelPath, 'utf8'));
    assert.equal(modelJson.format, 'layers-model');
    assert.deepEqual(modelJson.weightsManifest[0].paths, ['weights.bin']);
    const bytes = (await readFile(weightsPath)).byteLength;
    const expected = modelJson.weightsManifest[0].weights.reduce((n: number, w: { shape: number[] }) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    assert.equal(bytes, expected, 'weights.bin holds every weight the manifest names (float32)');

    await page.getByTestId('tab-lab').click();
    await page.getByTestId('teacher-upload').setInputFiles([modelPath, weightsPath]);
    const status = await waitUntil(
      async () => ((await page.getByTestId('teacher-upload-status').textContent()) ?? '').trim(),
      (s) => s !== '' && !/checking/i.test(s),
      30_000,
      'the teacher check',
    );
    assert.match(status, /fits/i, `the exported student was not accepted as a teacher: ${status}`);
    assert.equal(await page.getByTestId('teacher-select').inputValue(), 'custom');
    t.note(`the exported student (${bytes} bytes of weights) was accepted as a teacher: "${status}"`);
    // One click does the same from the table.
    await page.getByTestId('tab-compare').click();
    await page.locator('[data-testid="compare-row"]', { hasText: 'method=dist' }).getByTestId('use-as-teacher').click();
    const teacherStatus = page.getByTestId('compare-teacher-status');
    const oneClick = await waitUntil(
      async () => ({ status: await teacherStatus.getAttribute('data-status'), text: (await teacherStatus.textContent()) ?? '' }),
      (s) => s.status === 'refused' || (s.status === 'accepted' && s.text.includes('method=dist')),
      30_000,
      'use as teacher',
    );
    assert.equal(oneClick.status, 'accepted', `use as teacher: ${oneClick.text}`);
    assert.match(oneClick.text, /method=dist\.json fits Digits/, 'the teacher now is the dist student');
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  t.note(`${(seconds).toFixed(1)} s for the queue of 5 (${progress?.trim()})`);
  t.note(`exported CSV:\n${csv.trimEnd()}`);
});

test('Compare: saved runs are listed after a reload, and a deleted one stays deleted', 120_000, async (t) => {
  assert.ok(comparisonRunIds.length > 0, 'needs the runs saved by the comparison test');
  const { page } = t;
  await openCompare(page, `${t.server.url}?${QUICK}`);
  await waitUntil(() => savedRunIds(page), (ids) => comparisonRunIds.every((id) => ids.includes(id)), 10_000, 'the saved runs after a reload');
  const victim = comparisonRunIds[comparisonRunIds.length - 1];
  const item = page.locator(`[data-testid="saved-run"][data-run="${victim}"]`);
  // Shown in the comparison again from storage, with its curves.
  await item.getByTestId('saved-run-show').check();
  await waitUntil(() => page.getByTestId('compare-row').count(), (n) => n === 1, 5_000, 'the saved run in the table');
  assert.equal((await chartGeometry(page, 'compare-loss-chart')).lines, 1, 'its saved loss curve is drawn');
  await item.getByTestId('saved-run-delete').click();
  await waitUntil(() => savedRunIds(page), (ids) => !ids.includes(victim), 5_000, 'the deleted run to leave the list');
  assert.equal(await page.getByTestId('compare-row').count(), 0, 'a deleted run leaves the comparison too');
  await page.reload();
  await page.getByTestId('compare-page').waitFor({ timeout: 60_000 });
  const after = await waitUntil(() => savedRunIds(page), (ids) => ids.length > 0, 10_000, 'the saved runs after the second reload');
  assert.ok(!after.includes(victim), `${victim} came back after a reload`);
  for (const id of comparisonRunIds.slice(0, -1)) assert.ok(after.includes(id), `${id} went missing`);
});

test('Compare: a full disk (simulated QuotaExceededError) is shown to the user, and the next run saves again', 150_000, async (t) => {
  const { page } = t;
  // A Lab run: finished Lab runs are saved too.
  // Saving is under test, not a backend's kernels: wasm (forced: no backend race) trains this in a second.
  await openLab(page, `${t.server.url}?${QUICK.replace('method=kd', 'method=none').replace('train_limit=256', 'train_limit=64').replace('epochs=2', 'epochs=1')}`);
  const before = await page.evaluate(async () => {
    const hooks = window.__distillLab as unknown as { failNextSave: string | null };
    hooks.failNextSave = 'quota';
    return hooks.failNextSave;
  });
  assert.equal(before, 'quota');
  await page.getByTestId('start-button').click();
  await waitForStatus(page, 'done', 90_000);
  const alert = page.getByTestId('storage-error');
  await alert.waitFor({ timeout: 15_000 });
  const message = (await alert.textContent()) ?? '';
  assert.match(message, /QuotaExceededError/);
  assert.match(message, /full/i);
  assert.equal(await alert.getAttribute('role'), 'alert');
  const after = await page.evaluate(() => (window.__distillLab as unknown as { failNextSave: unknown }).failNextSave);
  assert.equal(after, null, 'the fault hook fires once');

  // The failed run is not listed; the next one is saved with the Lab's label.
  await page.getByTestId('tab-compare').click();
  await page.getByTestId('compare-page').waitFor(); // the page loads with its first visit
  const failedList = await savedRunIds(page);
  await page.getByTestId('tab-lab').click();
  await page.getByTestId('start-button').click();
  await waitForStatus(page, ['loading', 'training'], 30_000);
  await waitForStatus(page, 'done', 90_000);
  await page.getByTestId('tab-compare').click();
  await page.getByTestId('compare-page').waitFor(); // the page loads with its first visit
  const labels = await waitUntil(
    () => page.getByTestId('saved-run').evaluateAll((items) => items.map((item) => item.getAttribute('data-label') ?? '')),
    (list) => list.length === failedList.length + 1,
    15_000,
    'the second Lab run to be saved',
  );
  assert.ok(labels.some((label) => /student from scratch.*\(Lab\)/.test(label)), `no Lab run among ${labels.join(' | ')}`);
  t.note(`"${message.trim()}"`);
});

test('Compare: cancelling the queue stops the running run and never starts the rest', 120_000, async (t) => {
  const { page } = t;
  // Long runs (4,000 steps each) so the cancel lands while the first student trains; the queue's
  // bookkeeping is under test, not a backend's kernels: wasm (forced).
  await openCompare(page, `${t.server.url}?${QUICK.replace('epochs=2', 'epochs=500')}`);
  await page.getByTestId('compare-sweep-input').fill('kd_ratio 0.5, 0.9');
  await page.getByTestId('compare-add-sweep').click();
  await page.getByTestId('compare-start').click();
  const scratch = page.locator('[data-testid="compare-row"][data-kind="baseline"]');
  await waitUntil(() => scratch.getAttribute('data-status'), (s) => s === 'running', 60_000, 'the baseline to start');
  await waitUntil(() => page.getByTestId('compare-progress').textContent(), (s) => /Run 2 of 4: student from scratch — training/.test(s ?? ''), 60_000, 'the baseline to train');
  // The worker is busy with the queue: the Lab's Start waits for it, and says why.
  await page.getByTestId('tab-lab').click();
  assert.equal(await page.getByTestId('start-button').isDisabled(), true, "the Lab's Start must be disabled while a comparison runs");
  await page.getByTestId('start-blocked-by-compare').waitFor({ timeout: 5_000 });
  await page.getByTestId('tab-compare').click();
  await page.getByTestId('compare-cancel').click();
  await waitUntil(() => page.getByTestId('compare-progress').getAttribute('data-status'), (s) => s === 'idle', 60_000, 'the queue to stop');
  const rows = await tableRows(page);
  assert.deepEqual(
    rows.map((r) => [r.kind, r.status]),
    [
      ['teacher', 'done'],
      ['baseline', 'stopped'],
      ['student', 'cancelled'],
      ['student', 'cancelled'],
    ],
  );
  assert.match(rows[1].test, /%$/, 'the stopped run keeps the scores it reached');
  assert.equal(await page.getByTestId('compare-start').isEnabled(), true, 'the queue can run again');
  await page.getByTestId('tab-lab').click();
  await waitUntil(() => page.getByTestId('start-button').isEnabled(), Boolean, 5_000, "the Lab's Start to be enabled after the queue stopped");
});
