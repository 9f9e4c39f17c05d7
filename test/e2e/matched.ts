// "What is matched" in Chromium: during an AT run and an RKD run the view appears and is redrawn
// while the run trains, a finished run shows its start and its end, and the view costs the run at
// most 5 % of its speed (the same run with the panel hidden by `hide=matched`, best of two or three each).
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { test, type TestContext } from './harness';
import { openLab, runStatus, selectOption, setNumber, text, waitForStatus, waitUntil } from './lab';

interface RunShape {
  method: string;
  epochs: number;
  trainLimit: number;
  batchSize: number;
}

async function setUp(page: Page, shape: RunShape): Promise<void> {
  await selectOption(page, 'method-select', shape.method);
  await setNumber(page, 'epochs-input', shape.epochs);
  await setNumber(page, 'train-limit-input', shape.trainLimit);
  await setNumber(page, 'batch-size-input', shape.batchSize);
}

/** One run to its end: its samples/s as the run panel shows it. */
async function samplesPerSecond(page: Page): Promise<number> {
  const start = page.getByTestId('start-button');
  await waitUntil(() => start.isEnabled(), Boolean, 30_000, 'start-button enabled');
  await start.click();
  await waitForStatus(page, 'done', 240_000);
  return Number(await text(page, 'samples-per-second'));
}

/** The view during the run: redrawn at least twice while it trains, at later steps. */
async function watchLiveView(page: Page): Promise<{ steps: number[] }> {
  const view = page.getByTestId('matched-view');
  const steps: number[] = [];
  await waitUntil(
    async () => {
      const step = Number((await view.getAttribute('data-step').catch(() => '')) || NaN);
      const status = await runStatus(page);
      if (Number.isFinite(step) && status === 'training' && !steps.includes(step)) steps.push(step);
      // A run that ended first cannot be redrawn again: say so now rather than wait out the timeout.
      if (status === 'done' && steps.length < 2) throw new Error(`the run ended after ${steps.length} drawing(s) while training: make it longer`);
      return steps.length;
    },
    (n) => n >= 2,
    120_000,
    'the view redrawn twice while the run trains',
  );
  return { steps };
}

async function viewCostsLittle(t: TestContext, shape: RunShape, rounds = 2): Promise<void> {
  const shown = t.page;
  const hidden = await shown.context().newPage();
  const query = `backend=wasm`;
  await openLab(shown, `${t.server.url}?${query}`);
  await openLab(hidden, `${t.server.url}?${query}&hide=matched`);
  await setUp(shown, shape);
  await setUp(hidden, shape);
  const withView: number[] = [];
  const without: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = samplesPerSecond(shown);
    if (round === 0) {
      const { steps } = await watchLiveView(shown);
      assert.ok(steps[1] > steps[0], `the second drawing is of a later step: ${steps.join(', ')}`);
    }
    withView.push(await started);
    without.push(await samplesPerSecond(hidden));
  }
  assert.equal(await hidden.getByTestId('matched-view').count(), 0, 'hide=matched hides the view');
  const ratio = Math.max(...withView) / Math.max(...without);
  t.note(`${shape.method}: ${withView.join(', ')} samples/s with the view, ${without.join(', ')} without (best ${(ratio * 100).toFixed(1)} %)`);
  assert.ok(ratio >= 0.95, `with the view the run keeps ${(ratio * 100).toFixed(1)} % of its speed`);
  await hidden.close();
}

test('what is matched, AT: the two attention maps and their difference per pair, redrawn while training, start and end of the finished run on one scale, at least 95 % of the speed without the view', 300_000, async (t) => {
  await viewCostsLittle(t, { method: 'at', epochs: 12, trainLimit: 1438, batchSize: 64 });
  const page = t.page;
  const maps = page.getByTestId('matched-map');
  assert.equal(await maps.count(), 2, 'one picture row per layer pair (block1, block2)');
  const described = await maps.first().locator('[role="img"]').first().getAttribute('aria-label');
  assert.match(described ?? '', /^Teacher attention map \(\d+×\d+\): \d+×\d+, values .* to .*, highest at row \d+, column \d+\.$/);
  // The finished run: its start and its end, the difference's scale shared, so the end's smaller difference shows.
  const legend = async () => (await maps.first().getByTestId('matched-legend').nth(1).textContent()) ?? '';
  const end = await legend();
  await page.getByTestId('matched-moment-start').check();
  await waitUntil(() => page.getByTestId('matched-view').getAttribute('data-step'), (step) => step === '0', 10_000, 'the start drawn');
  assert.equal(await legend(), end, 'start and end share the difference scale');
  // Keyboard: the pictures and the controls take focus.
  await page.getByTestId('matched-next').focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('type')), 'radio');
});

test('what is matched from the Classroom page: its fourth step starts attention transfer on the Lab, and the attention maps are drawn there while it trains', 120_000, async (t) => {
  const { page } = t;
  await page.goto(`${t.server.url}?view=classroom&backend=wasm`);
  await page.getByTestId('backend-badge').waitFor({ timeout: 120_000 });
  await page.getByTestId('classroom-go-matched').click();
  await watchLiveView(page);
  assert.equal(await page.getByTestId('method-select').inputValue(), 'at');
  assert.equal(await page.getByTestId('matched-map').count(), 2);
  await waitForStatus(page, 'done', 120_000);
});

test('what is matched, RKD: the teacher\'s and the student\'s distance matrices over a class-sorted batch with class lines, redrawn while training, at least 95 % of the speed without the view', 400_000, async (t) => {
  // Three rounds: RKD's runs are short, and one slow run on a busy machine is a larger share of two.
  // 210 steps: since RKD's step got faster (batched products on XNNPACK), 45 steps ended before a
  // second drawing; runs this long are steady enough for the best of two.
  await viewCostsLittle(t, { method: 'rkd', epochs: 14, trainLimit: 480, batchSize: 32 });
  const relation = t.page.getByTestId('matched-relation');
  assert.equal(await relation.count(), 1);
  // 40 test images (4 of each digit): 9 class lines on each axis of each matrix.
  assert.equal(await relation.locator('.matched-mark-row').count(), 18);
  assert.equal(await relation.locator('.matched-mark-column').count(), 18);
  const described = await relation.locator('[role="img"]').first().getAttribute('aria-label');
  assert.match(described ?? '', /40×40 over test images sorted by class; mean .* within a class, .* between classes\./);
});
