// The classroom demos in their short form, on the WebGPU path: the never-seen-class preset trains
// without a single 3 and the inspector scores the 3s it never saw; the Classroom page's buttons
// set up the few-label race on the Compare page and the never-seen run on the Lab.
import assert from 'node:assert/strict';
import { test } from './harness';
import { inputValue, openLab, setNumber, text, waitForStatus, waitUntil } from './lab';

test('[demos] never-seen class, short form: no 3 in training, the inspector scores the test 3s before and after the bias', 420_000, async (t) => {
  const { page } = t;
  await openLab(page, t.server.url);
  await page.getByTestId('preset-never-seen').click();
  assert.equal(await inputValue(page, 'method-select'), 'kd');
  assert.equal(await inputValue(page, 'temperature-input'), '20');
  assert.equal(await page.getByTestId('omit-class-3').isChecked(), true, 'the 3 is left out');
  assert.equal(await page.getByTestId('omit-class-4').isChecked(), false);
  assert.match(await text(page, 'preset-run'), /class 3 left out of training/);
  // The short form: a few steps on 200 images (SwiftShader trains ~20 samples/s).
  await setNumber(page, 'train-limit-input', 200);
  await setNumber(page, 'epochs-input', 2);
  assert.match(await text(page, 'transfer-count'), /Training images: 200 of/);
  // The URL follows the configuration a moment later.
  await waitUntil(async () => new URL(page.url()).searchParams.get('omit'), (omit) => omit === '3', 5_000, 'omit=3 in the link');
  await page.getByTestId('start-button').click();
  await waitForStatus(page, 'done', 360_000);
  const report = page.getByTestId('omitted-report');
  await report.waitFor({ timeout: 10_000 });
  const before = Number(await page.getByTestId('omitted-accuracy').getAttribute('data-value'));
  const after = Number(await page.getByTestId('omitted-accuracy-corrected').getAttribute('data-value'));
  assert.ok(before >= 0 && before <= 1 && after >= 0 && after <= 1, `accuracies in [0, 1]: ${before}, ${after}`);
  assert.match(await report.textContent() ?? '', /never saw a 3/);
  // The per-class bars mark the class the student never saw.
  assert.equal(await page.locator('[data-testid="per-class-accuracy"] [data-omitted="true"]').count(), 1);
  t.note(`3s recognised without seeing one (2 short epochs): ${(before * 100).toFixed(1)} %, with the bias ${(after * 100).toFixed(1)} %`);
});

test('[demos] the Classroom page: three steps; the race queues hard / mix / soft on 200 images and starts them on the Compare page', 240_000, async (t) => {
  const { page } = t;
  // The Classroom page has no dataset card to wait for: the backend badge says the worker is up.
  await page.goto(`${t.server.url}?view=classroom`);
  await page.getByTestId('backend-badge').waitFor({ timeout: 120_000 });
  for (const step of ['soft-labels', 'few-labels', 'never-seen']) await page.getByTestId(`classroom-step-${step}`).waitFor({ timeout: 10_000 });
  await page.getByTestId('classroom-go-few-labels').click();
  // The race runs on the Compare page, with the preset's 200 images frozen into every queued run.
  await page.getByTestId('compare-progress').waitFor({ timeout: 30_000 });
  assert.equal(new URL(page.url()).searchParams.get('view'), 'compare');
  assert.equal(new URL(page.url()).searchParams.get('train_limit'), '200');
  await page.waitForSelector('[data-testid="compare-progress"][data-status="running"]', { timeout: 60_000 });
  await page.getByTestId('compare-cancel').click();
  await page.getByTestId('tab-classroom').click();
  await page.getByTestId('classroom-go-soft-labels').click();
  assert.equal(new URL(page.url()).searchParams.get('view'), 'explore');
});
