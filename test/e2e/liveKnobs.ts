// Live knobs: a temperature slid and a kd_ratio typed while the run trains change it without a
// pause, each marked on the loss chart at the step the worker applied it (the worker's loop, the
// same on every backend: these run on wasm, forced, the backend the lab picks on machines like this);
// before Start the run says how long to expect; after it the Lab offers the student and the result.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { test } from './harness';
import { chartGeometry, openLab, runStatus, selectOption, setNumber, shownText, statusHistory, text, waitForStatus, waitUntil } from './lab';
import { RUN_SPEEDS_KEY } from '../../src/state/estimate';

const BATCH = 32;
/** Longer than the test: the run is stopped. */
const EPOCHS = 400;

/** The step of the newest loss row, as the chart's text view says it. */
async function latestLossStep(page: Page): Promise<number> {
  const label = (await page.getByTestId('loss-latest').getAttribute('aria-label')) ?? '';
  return Number(/step (\d+)/.exec(label)?.[1] ?? Number.NaN);
}

async function knobChanges(page: Page): Promise<{ step: number; text: string }[]> {
  return page.getByTestId('knob-change').evaluateAll((items) => items.map((item) => ({ step: Number(item.getAttribute('data-step')), text: item.textContent ?? '' })));
}

test('live knobs: T slid and kd_ratio typed change a training run without a pause, marked at the worker\'s step; the ended run downloads, exports and becomes the teacher', 420_000, async (t) => {
  const { page } = t;
  await openLab(page, `${t.server.url}?backend=wasm`);
  // No measurement yet in this browser: the estimate says so rather than guessing.
  await page.evaluate((key) => localStorage.removeItem(key), RUN_SPEEDS_KEY);
  await selectOption(page, 'dataset-select', 'digits');
  await selectOption(page, 'method-select', 'kd');
  await selectOption(page, 'teacher-select', 'digits-teacher-cnn');
  await selectOption(page, 'student-select', 'tiny-cnn');
  await setNumber(page, 'kd-ratio-input', 0.9);
  await setNumber(page, 'batch-size-input', BATCH);
  await setNumber(page, 'eval-every-input', 1000);
  await setNumber(page, 'epochs-input', EPOCHS);
  // Small final scores: the stop waits for them.
  await setNumber(page, 'val-limit-input', 100);
  await setNumber(page, 'test-limit-input', 100);
  const before = page.getByTestId('run-estimate');
  await waitUntil(() => text(page, 'run-estimate'), (s) => /unknown until the first run/.test(s), 10_000, 'the estimate before any run');
  // EPOCHS epochs of the training images the Data panel counts, in whole batches.
  const images = Number(/Training images: ([\d,]+)/.exec(await text(page, 'transfer-count'))?.[1].replace(/,/g, ''));
  assert.equal(await before.getAttribute('data-steps'), String(EPOCHS * Math.floor(images / BATCH)));

  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
  await page.getByTestId('start-button').click();
  await waitForStatus(page, 'training', 120_000);
  t.note(`training after ${elapsed()}`);
  await waitUntil(() => chartGeometry(page, 'loss-chart').then((g) => g.points), (n) => n >= 2, 120_000, 'loss points before the change');

  const stepBeforeT = await latestLossStep(page);
  assert.equal(await page.getByTestId('temperature-slider').isEnabled(), true, 'the temperature slider must be live while training');
  // The keyboard moves a slider as a user does: End takes it to its top, T = 30.
  await page.getByTestId('temperature-slider').focus();
  await page.keyboard.press('End');
  assert.equal(await page.getByTestId('temperature-input').inputValue(), '30', 'the number box follows the slider');
  const [tChange] = await waitUntil(() => knobChanges(page), (changes) => changes.length === 1, 120_000, 'the T = 30 marker');
  assert.match(tChange.text, /T = 30$/);
  t.note(`${tChange.text} marked at step ${tChange.step} after ${elapsed()} (${stepBeforeT} steps drawn when it was set)`);
  assert.ok(tChange.step > stepBeforeT, `T took effect at step ${tChange.step}, not after the ${stepBeforeT} steps already drawn`);

  const stepBeforeRatio = await latestLossStep(page);
  await setNumber(page, 'kd-ratio-input', 0.5);
  const changes = await waitUntil(() => knobChanges(page), (list) => list.length === 2, 120_000, 'the kd_ratio = 0.5 marker');
  assert.match(changes[1].text, /kd_ratio = 0\.5$/);
  t.note(`${changes[1].text} marked at step ${changes[1].step} after ${elapsed()} (${stepBeforeRatio} steps drawn when it was set)`);
  assert.ok(changes[1].step > Math.max(stepBeforeRatio, tChange.step), `kd_ratio took effect at step ${changes[1].step}`);
  await waitUntil(() => latestLossStep(page), (step) => step >= changes[1].step, 120_000, 'loss rows past the kd_ratio change');
  assert.ok((await page.locator('[data-testid="loss-chart"] .recharts-reference-line').count()) >= 2, 'both changes are drawn as lines on the loss chart');
  assert.ok(!(await statusHistory(page)).includes('paused'), 'a live change must not pause the run');
  assert.equal(await runStatus(page), 'training');

  t.note(`stop pressed after ${elapsed()}`);
  await page.getByTestId('stop-button').click();
  const final = await waitForStatus(page, ['stopped', 'done', 'error'], 120_000);
  assert.equal(final, 'stopped', `the run ended ${final}: ${await shownText(page, 'error-message')}`);
  t.note(`stopped after ${elapsed()}`);
  const actions = page.getByTestId('lab-run-actions');
  await actions.waitFor({ timeout: 30_000 });

  const folder = await mkdtemp(path.join(os.tmpdir(), 'distillation-lab-lab-run-'));
  try {
    // Keyboard: focus the export button and press Enter.
    await page.getByTestId('lab-export-json').focus();
    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    const jsonPath = path.join(folder, 'result.json');
    await jsonDownload.saveAs(jsonPath);
    const exported = JSON.parse(await readFile(jsonPath, 'utf8'));
    assert.equal(exported.format, 'distillation-lab-comparison');
    assert.equal(exported.rows.length, 1);
    assert.equal(exported.rows[0].status, 'stopped');
    assert.equal(exported.rows[0].config.params.temperature, 4, 'the exported configuration is the one the run started with');
    const shownAccuracy = Number((await text(page, 'test-accuracy')).replace('%', '')) / 100;
    assert.ok(Math.abs(exported.rows[0].testAccuracy - shownAccuracy) < 1e-4, `exported ${exported.rows[0].testAccuracy}, shown ${shownAccuracy}`);

    const [modelDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('lab-download-model-json').click()]);
    const [weightsDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('lab-download-weights').click()]);
    assert.equal(modelDownload.suggestedFilename(), 'model.json');
    assert.equal(weightsDownload.suggestedFilename(), 'weights.bin');
    await modelDownload.saveAs(path.join(folder, 'model.json'));
    await weightsDownload.saveAs(path.join(folder, 'weights.bin'));
    const modelJson = JSON.parse(await readFile(path.join(folder, 'model.json'), 'utf8'));
    const expectedBytes = modelJson.weightsManifest[0].weights.reduce((n: number, w: { shape: number[] }) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    assert.equal((await readFile(path.join(folder, 'weights.bin'))).byteLength, expectedBytes);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }

  await page.getByTestId('lab-use-as-teacher').click();
  const status = await waitUntil(
    async () => ((await page.getByTestId('teacher-upload-status').textContent()) ?? '').trim(),
    (s) => s !== '' && !/checking/i.test(s),
    30_000,
    'the teacher check',
  );
  assert.match(status, /fits/i, `the Lab's student was not accepted as a teacher: ${status}`);
  assert.equal(await page.getByTestId('teacher-select').inputValue(), 'custom');

  // The stopped run measured this set-up's speed: the next estimate is a figure.
  const estimate = await waitUntil(() => text(page, 'run-estimate'), (s) => /about/.test(s), 10_000, 'a measured estimate');
  const seconds = Number(await page.getByTestId('run-estimate').getAttribute('data-seconds'));
  assert.ok(seconds > 0, `estimate ${seconds} s`);
  t.note(`marks ${changes.map((c) => `${c.text} @${c.step}`).join(', ')}; ${estimate}`);
});

/** The kd line's plotted points (px) and the x (px) of each knob mark, read from the loss chart's SVG. */
async function plotted(page: Page): Promise<{ points: [number, number][]; marks: number[]; height: number }> {
  return page.getByTestId('loss-chart').evaluate((chart) => {
    const d = chart.querySelector('.loss-line-term-kd path.recharts-curve')?.getAttribute('d') ?? '';
    const points = [...d.matchAll(/[ML]\s*([-\d.]+)[ ,]([-\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as [number, number]);
    const marks = [...chart.querySelectorAll('.recharts-reference-line line')].map((line) => Number(line.getAttribute('x1')));
    const grid = [...chart.querySelectorAll('.recharts-cartesian-grid-horizontal line')].map((line) => Number(line.getAttribute('y1')));
    return { points, marks, height: Math.max(...grid) - Math.min(...grid) };
  });
}

test('train until stopped: the run goes on past its epochs; one keyboard gesture on T is one mark, and in the default (recent) view the kd curve visibly moves after it; Finish scores it as done', 240_000, async (t) => {
  const { page } = t;
  // Batches of 128: the recent view spans 200 steps, and at 64 a step the run outran the time from
  // the mark to the pause (199 steps) once the step got faster.
  const query = new URLSearchParams({ dataset: 'digits', method: 'kd', temperature: '4', kd_ratio: '0.9', epochs: '1', until_stopped: '1', eval_every: '100', val_limit: '200', test_limit: '200', batch: '128', backend: 'wasm' });
  await openLab(page, `${t.server.url}?${query}`);
  assert.equal(await page.getByTestId('until-stopped-input').isChecked(), true, 'the URL turns the mode on');
  const clicked = performance.now();
  await page.getByTestId('start-button').click();
  await waitUntil(() => latestLossStep(page).catch(() => Number.NaN), (step) => step >= 1, 60_000, 'the first loss point');
  t.note(`Start → first curve point: ${((performance.now() - clicked) / 1000).toFixed(1)} s`);
  assert.equal(await text(page, 'stop-button'), 'Finish');
  // One epoch of Digits is 11 steps of 128: the run goes on well past it.
  await waitUntil(() => latestLossStep(page), (step) => step >= 150, 120_000, '150 steps (about 14 epochs of a 1-epoch run)');
  assert.equal(await runStatus(page), 'training');

  // One gesture: Home (T to its lowest), then four arrow presses 60 ms apart, as a hand adjusts it.
  await page.getByTestId('temperature-slider').focus();
  await page.keyboard.press('Home');
  for (let i = 0; i < 4; i++) {
    await page.waitForTimeout(60);
    await page.keyboard.press('ArrowRight');
  }
  const chosen = await page.getByTestId('temperature-input').inputValue();
  assert.ok(Number(chosen) < 2, `T went down to ${chosen}`);
  const [mark] = await waitUntil(() => knobChanges(page), (changes) => changes.length >= 1 && changes.at(-1)!.text.endsWith(`T = ${chosen}`), 30_000, `the T = ${chosen} mark`);
  await waitUntil(() => latestLossStep(page), (step) => step >= mark.step + 30, 60_000, '30 steps after the change');
  assert.equal((await knobChanges(page)).length, 1, `one gesture, one mark: ${(await knobChanges(page)).map((c) => c.text).join('; ')}`);
  assert.equal(await page.getByTestId('loss-chart').getAttribute('data-view'), 'recent');

  // Paused, both views show the same rows: the kd curve's level after the mark against before it, as a
  // share of the plot's height, in the default (recent) view and in the whole-run view.
  await page.getByTestId('pause-button').click();
  await waitForStatus(page, 'paused', 30_000);
  const { points, marks, height } = await plotted(page);
  assert.equal(marks.length, 1, 'the mark is drawn in the recent view');
  const mean = (list: [number, number][]) => list.reduce((sum, [, y]) => sum + y, 0) / list.length;
  const split = points.filter(([x]) => x < marks[0]).length;
  const skip = points.filter(([x]) => x >= marks[0] && x <= marks[0] + 5).length;
  assert.ok(split >= 5 && points.length - split - skip >= 5, `points on both sides of the mark (${split} before, ${points.length - split} after)`);
  const movedIn = (list: [number, number][], plotHeight: number) => Math.abs(mean(list.slice(split + skip)) - mean(list.slice(0, split))) / plotHeight;
  const moved = movedIn(points, height);
  await page.getByTestId('whole-run-toggle').check();
  await waitUntil(() => page.getByTestId('loss-chart').getAttribute('data-view'), (view) => view === 'whole-run', 5_000, 'the whole-run view');
  const whole = await plotted(page);
  // The same last rows of the run, in the whole-run view.
  const wholeMoved = movedIn(whole.points.slice(whole.points.length - points.length), whole.height);
  await page.getByTestId('whole-run-toggle').uncheck();
  t.note(`the kd curve moved ${(100 * moved).toFixed(0)} % of the chart's height at the T change in the recent view, ${(100 * wholeMoved).toFixed(0)} % in the whole-run view`);
  assert.ok(moved > 0.05, `the kd curve moved only ${(100 * moved).toFixed(1)} % of the chart's height after T went from 4 to ${chosen}`);
  assert.ok(moved >= 1.5 * wholeMoved, `the recent view shows the change ${(moved / wholeMoved).toFixed(1)}× as large as the whole-run view (${(100 * moved).toFixed(1)} % vs ${(100 * wholeMoved).toFixed(1)} %)`);

  await page.getByTestId('stop-button').click();
  assert.equal(await waitForStatus(page, ['done', 'stopped', 'error'], 60_000), 'done', 'Finish ends the run as done');
  // Ended, the run's controls say so: Stop again (not "Stop now"), and no "until you press Finish".
  assert.equal(await text(page, 'stop-button'), 'Stop');
  assert.doesNotMatch((await page.locator('.run-progress').textContent()) ?? '', /until you press Finish/);
  assert.doesNotMatch((await page.locator('section.results').textContent()) ?? '', /Stopped early/);

  // The results say which run they belong to: the live T is part of it, so they are not stale.
  assert.match(await text(page, 'run-heading'), new RegExp(`^This run: Digits 8×8 · tiny-cnn · kd temperature=${chosen} kd_ratio=0\\.9 · until stopped · seed 1$`));
  // A new set-up (another dataset) turns them into a previous run's, dimmed and labelled; going back undoes it.
  await page.getByTestId('dataset-select').selectOption('mnist');
  await waitUntil(() => page.getByTestId('run-heading').getAttribute('data-stale'), (stale) => stale === 'true', 5_000, 'the results marked as a previous run');
  assert.match(await text(page, 'run-heading'), /^Previous run — the set-up has changed since; press Start to run it\. These results are for Digits 8×8 /);
  assert.equal(await page.getByTestId('results-column').getAttribute('data-stale'), 'true');
  assert.equal(await text(page, 'export-pytorch'), 'Export the previous run as PyTorch');
  await page.getByTestId('dataset-select').selectOption('digits');
  await waitUntil(() => page.getByTestId('run-heading').getAttribute('data-stale'), (stale) => stale === 'false', 5_000, 'the results current again');
});

test('soft labels beside a running student: on the Soft labels page, the T slider also moves the training run\'s T (a live knob, marked on the loss chart) while the student column follows the run', 180_000, async (t) => {
  const { page } = t;
  const query = new URLSearchParams({ dataset: 'digits', method: 'kd', temperature: '4', kd_ratio: '0.9', epochs: '1', until_stopped: '1', eval_every: '100', backend: 'wasm' });
  await openLab(page, `${t.server.url}?${query}`);
  await page.getByTestId('start-button').click();
  await waitUntil(() => latestLossStep(page).catch(() => Number.NaN), (step) => step >= 20, 60_000, 'the run training');
  await page.getByTestId('tab-explore').click();
  await page.getByTestId('explorer-steer-run').waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('explorer-steer-run').isChecked(), true);
  await waitUntil(() => text(page, 'student-status'), (s) => /the student training now/.test(s), 30_000, 'the student column following the run');
  await page.getByTestId('explorer-temperature').focus();
  await page.keyboard.press('End');
  const shown = (await text(page, 'explorer-temperature-value')).replace('T = ', '');
  await page.getByTestId('tab-lab').click();
  assert.equal(await page.getByTestId('temperature-input').inputValue(), shown, 'the run\'s T follows the explorer\'s');
  const [mark] = await waitUntil(() => knobChanges(page), (changes) => changes.length >= 1, 30_000, 'the change marked on the loss chart');
  assert.match(mark.text, new RegExp(`T = ${shown.replace('.', '\\.')}$`));
  await page.getByTestId('stop-button').click();
  assert.equal(await waitForStatus(page, ['done', 'stopped', 'error'], 60_000), 'done');
});
