// The soft-label explorer, the run inspector, presets and classroom links, in Chromium.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { test } from './harness';
import { inputValue, installRecorders, openLab, setNumber, shownText, text, waitForStatus, waitUntil } from './lab';

async function openExplorer(page: Page, url: string): Promise<void> {
  await installRecorders(page);
  await page.goto(`${url}?view=explore`);
  await page.getByTestId('backend-badge').waitFor({ timeout: 120_000 });
  await page.getByTestId('teacher-entropy').waitFor({ timeout: 120_000 });
}

async function numberOf(page: Page, testId: string): Promise<number> {
  const value = Number((await page.getByTestId(testId).getAttribute('data-value')) ?? Number.NaN);
  assert.ok(Number.isFinite(value), `${testId} has no numeric data-value`);
  return value;
}

/** The rows of a heatmap table: the data-value of every cell. */
async function matrixValues(page: Page, testId: string): Promise<number[][]> {
  return page
    .getByTestId(testId)
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((row) => Array.from(row.querySelectorAll('td'), (cell) => Number(cell.getAttribute('data-value')))));
}

/** Move the temperature slider with the keyboard, as a user does: Home = 0.5, each → adds 0.5, End = 20. */
async function setTemperatureByKeys(page: Page, keys: string[]): Promise<string> {
  const slider = page.getByTestId('explorer-temperature');
  await slider.focus();
  for (const key of keys) await slider.press(key);
  return text(page, 'explorer-temperature-value');
}

test('[explore] soft-label explorer: the teacher entropy rises from T = 1 to T = 20, dark-knowledge rows sum to 1, keyboard picking, the tour', 150_000, async (t) => {
  const { page } = t;
  await openExplorer(page, t.server.url);

  assert.equal(await setTemperatureByKeys(page, ['Home', 'ArrowRight']), 'T = 1');
  const entropyAt1 = await numberOf(page, 'teacher-entropy');
  const diagonalAt1 = (await matrixValues(page, 'dark-knowledge-matrix')).map((row, i) => row[i]);
  assert.equal(await setTemperatureByKeys(page, ['End']), 'T = 20');
  const entropyAt20 = await numberOf(page, 'teacher-entropy');
  assert.ok(entropyAt20 > entropyAt1 + 0.1, `teacher entropy at T = 20 (${entropyAt20} bits) is not above T = 1 (${entropyAt1} bits)`);
  assert.ok(entropyAt20 <= Math.log2(10) + 1e-9, `entropy ${entropyAt20} bits exceeds log2(10)`);

  const matrix = await matrixValues(page, 'dark-knowledge-matrix');
  assert.equal(matrix.length, 10, 'one row per Digits class');
  for (const [i, row] of matrix.entries()) {
    assert.equal(row.length, 10);
    const sum = row.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-6, `dark-knowledge row ${i} sums to ${sum}`);
  }
  // A hotter softmax moves probability off the diagonal.
  const diagonalAt20 = matrix.map((row, i) => row[i]);
  assert.ok(
    diagonalAt20.every((value, i) => value < diagonalAt1[i]),
    `the diagonal did not drop from T = 1 (${diagonalAt1.map((v) => v.toFixed(3))}) to T = 20 (${diagonalAt20.map((v) => v.toFixed(3))})`,
  );

  // Keyboard: the chosen image has the tab stop; arrows move the choice and the bars follow.
  const first = page.getByTestId('explorer-image-0');
  assert.equal(await first.getAttribute('aria-checked'), 'true');
  const titleBefore = await page.locator('#explorer-bars-title').textContent();
  await first.focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getByTestId('explorer-image-1').getAttribute('aria-checked'), 'true', 'ArrowRight must pick the next image');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'explorer-image-1', 'focus must follow the choice');
  assert.notEqual(await page.locator('#explorer-bars-title').textContent(), titleBefore, 'the bars must show the newly picked image');

  // The student column says there is no student before any run.
  assert.match(await text(page, 'student-status'), /no student/i);

  // The tour: focus moves into it, steps set the temperature they talk about, Escape closes it.
  await page.getByTestId('tour-start').click();
  const focused = () => page.evaluate(() => document.activeElement?.closest('[data-testid]')?.getAttribute('data-testid') ?? null);
  assert.equal(await focused(), 'tour', 'the tour must take the focus');
  assert.match(await text(page, 'tour'), /Step 1 of 5/);
  await page.getByTestId('tour-next').click();
  assert.equal(await text(page, 'explorer-temperature-value'), 'T = 1');
  await page.getByTestId('tour-next').click();
  assert.equal(await text(page, 'explorer-temperature-value'), 'T = 8');
  await page.getByTestId('tour-back').click();
  assert.match(await text(page, 'tour'), /Step 2 of 5/);
  await page.keyboard.press('Escape');
  assert.equal(await page.getByTestId('tour').count(), 0, 'Escape must close the tour');
  assert.equal(await focused(), 'tour-start', 'closing the tour must give the focus back to its button');
  t.note(`teacher entropy ${entropyAt1.toFixed(3)} bits at T = 1, ${entropyAt20.toFixed(3)} bits at T = 20`);
});

test('[explore] run inspector: after a short Digits run the confusion matrix sums to the test-set size shown; the explorer shows that student', 240_000, async (t) => {
  const { page } = t;
  // The inspector's and the explorer's answers, not a backend's kernels, are under test here: wasm
  // (forced: no backend race, whose losing software adapter slows the first run) answers in seconds
  // where SwiftShader's WebGPU takes a minute.
  await openLab(page, `${t.server.url}?dataset=digits&method=kd&teacher=digits-teacher-cnn&epochs=1&train_limit=192&batch=64&eval_every=1000&backend=wasm`);
  const start = page.getByTestId('start-button');
  await waitUntil(() => start.isEnabled(), Boolean, 30_000, 'start-button enabled');
  const started = performance.now();
  await start.click();
  assert.equal(await waitForStatus(page, ['done', 'error'], 180_000), 'done', await shownText(page, 'error-message'));
  const seconds = (performance.now() - started) / 1000;

  const shownSize = Number((await text(page, 'inspect-test-size')).replace(/,/g, ''));
  assert.equal(shownSize, 359, 'Digits holds 359 test images');
  const confusion = await matrixValues(page, 'confusion-matrix');
  assert.equal(confusion.length, 10);
  const total = confusion.flat().reduce((a, b) => a + b, 0);
  assert.equal(total, shownSize, `the confusion matrix holds ${total} images, the inspector says ${shownSize}`);
  const correct = confusion.reduce((sum, row, i) => sum + row[i], 0);
  const accuracy = Number.parseFloat(await text(page, 'test-accuracy')) / 100;
  assert.ok(Math.abs(correct / total - accuracy) < 1e-4, `the diagonal gives ${correct / total}, the results say ${accuracy}`);
  assert.equal(await page.getByTestId('per-class-accuracy').locator('li').count(), 10);

  // The most-confused pairs come with the test images the student got wrong.
  if (correct < total) {
    await page.getByTestId('confused-pairs').locator('img.pixel-image').first().waitFor({ timeout: 30_000 });
    const labels = await page.getByTestId('confused-pairs').locator('img.pixel-image').evaluateAll((canvases) => canvases.map((c) => c.getAttribute('aria-label') ?? ''));
    assert.ok(labels.every((label) => /predicted as/.test(label)), `example labels: ${labels.join(' | ')}`);
    t.note(`${labels.length} misclassified examples shown, e.g. "${labels[0]}"`);
  }

  await page.getByTestId('tab-explore').click();
  await page.getByTestId('teacher-entropy').waitFor({ timeout: 60_000 });
  await waitUntil(() => text(page, 'student-status'), (s) => /last run/.test(s), 30_000, 'the student of the last run');
  assert.match(await text(page, 'student-entropy'), /bits/);
  t.note(`run took ${seconds.toFixed(1)} s; ${correct} of ${total} test images right`);
});

test('[explore] presets: one click sets the expected controls; soft vs hard queues its mix and soft runs over 3 seeds on the Compare page', 90_000, async (t) => {
  const { page } = t;
  await openLab(page, t.server.url);
  await page.getByTestId('preset-repdistiller').click();
  assert.equal(await inputValue(page, 'method-select'), 'kd');
  assert.equal(await inputValue(page, 'temperature-input'), '4');
  assert.equal(await inputValue(page, 'kd-ratio-input'), '0.9');
  assert.equal(await inputValue(page, 'optimizer-select'), 'sgd');
  assert.equal(await inputValue(page, 'lr-input'), '0.05');
  assert.equal(await inputValue(page, 'momentum-input'), '0.9');

  await page.getByTestId('preset-hinton-2015').click();
  assert.equal(await inputValue(page, 'dataset-select'), 'mnist');
  assert.equal(await inputValue(page, 'method-select'), 'kd');
  assert.equal(await inputValue(page, 'student-select'), 'mlp');
  assert.equal(await inputValue(page, 'temperature-input'), '20');
  assert.equal(await inputValue(page, 'kd-ratio-input'), '0.9');
  await waitUntil(() => inputValue(page, 'teacher-select'), (v) => v === 'mnist-teacher-cnn', 10_000, 'the MNIST teacher');
  const url = await waitUntil(async () => new URL(page.url()).searchParams, (q) => q.get('temperature') === '20' && q.get('dataset') === 'mnist', 5_000, 'the URL');
  assert.equal(url.get('kd_ratio'), '0.9');

  await page.getByTestId('preset-soft-vs-hard').click();
  assert.equal(await inputValue(page, 'dataset-select'), 'digits');
  assert.equal(await inputValue(page, 'kd-ratio-input'), '1');
  assert.equal(await inputValue(page, 'temperature-input'), '20');
  assert.equal(await inputValue(page, 'train-limit-input'), '200');
  assert.match(await text(page, 'preset-run'), /200 training images, 40 epochs/);
  assert.match(await text(page, 'preset-queued'), /2 runs/);
  // The three kd_ratio runs wait on the Compare page.
  await page.getByTestId('tab-compare').click();
  await page.getByTestId('compare-page').waitFor(); // the page loads with its first visit
  const queued = await page.getByTestId('compare-planned').locator('li').allTextContents();
  assert.equal(queued.length, 2, `queued: ${queued.join(' | ')}`);
  for (const [i, ratio] of ['0.5', '1'].entries()) assert.match(queued[i], new RegExp(`kd_ratio ${ratio.replace('.', '\\.')}\\)`));
  // The preset's claim is over 3 seeds: each queued run repeats over them.
  for (const chip of await page.getByTestId('compare-planned-seeds').allTextContents()) assert.match(chip, /× 3 seeds/);
  assert.equal(await page.getByTestId('compare-planned-seeds').count(), 2);
});

test('[explore] classroom link: hide=lr hides the learning-rate control and keeps its value', 90_000, async (t) => {
  const { page } = t;
  await openLab(page, `${t.server.url}?lr=0.01&hide=lr`);
  assert.equal(await page.getByTestId('lr-input').count(), 0, 'the learning-rate control must be hidden');
  assert.equal(await page.getByTestId('epochs-input').isVisible(), true, 'other controls stay');
  assert.match(await text(page, 'classroom-note'), /lr/);
  await setNumber(page, 'epochs-input', 5);
  const query = await waitUntil(async () => new URL(page.url()).searchParams, (q) => q.get('epochs') === '5', 5_000, 'epochs=5 in the URL');
  assert.equal(query.get('lr'), '0.01', 'the hidden learning rate keeps its value');
  assert.equal(query.get('hide'), 'lr', 'the classroom flag stays in the URL');
});
