// When training goes wrong in the browser: a NaN loss, a crashed worker, a lost WebGPU device.
// Each must end the run with status error and a visible message, keep the page usable, and let
// the next Start train again.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { test } from './harness';
import { chartGeometry, openLab, runStatus, text, waitForStatus, waitUntil } from './lab';

/** A Digits KD run long enough that it is still training when the test interferes. */
const LONG_RUN = new URLSearchParams({ dataset: 'digits', method: 'kd', epochs: '50', eval_every: '1000', train_limit: '512', test_limit: '128' });

async function startAndWaitForPoints(page: Page): Promise<number> {
  await page.getByTestId('start-button').click();
  await waitForStatus(page, 'training', 120_000);
  return waitUntil(async () => (await chartGeometry(page, 'loss-chart')).points, (n) => n >= 2, 120_000, 'loss points');
}

/** The page still answers: a control can be changed and reads back. */
async function assertResponsive(page: Page): Promise<void> {
  await page.getByTestId('seed-input').fill('7');
  assert.equal(await page.getByTestId('seed-input').inputValue(), '7');
}

test('failures: a NaN loss (SGD with weight decay 1000) ends the run with status error, the failing step and a suggestion; the curve so far stays', 240_000, async (t) => {
  const { page } = t;
  // Each SGD step multiplies the weights by about 1 - lr * wd = -99: the loss overflows within a few steps.
  // The NaN check is the training loop's, whatever the backend: wasm (forced).
  const query = new URLSearchParams({ dataset: 'digits', method: 'none', optimizer: 'sgd', lr: '0.1', wd: '1000', epochs: '5', eval_every: '1000', train_limit: '512', test_limit: '128', backend: 'wasm' });
  await openLab(page, `${t.server.url}?${query}`);
  await page.getByTestId('start-button').click();
  await waitForStatus(page, 'error', 180_000);
  const message = await text(page, 'error-message');
  const step = /(NaN|infinite) at step (\d+)/.exec(message);
  assert.ok(step, `the error must say the loss went NaN or infinite at which step, got: ${message}`);
  assert.match(message, /learning rate/i, 'the error must suggest what to change');
  const points = (await chartGeometry(page, 'loss-chart')).points;
  assert.ok(points >= 1, 'the loss curve up to the failure must stay on the chart');
  assert.ok(points < Number(step[2]) + 1, `the chart may hold only the ${Number(step[2]) - 1} finite steps before the failure, it has ${points}`);
  assert.equal(await page.getByTestId('start-button').isEnabled(), true, 'Start must be usable again');
  t.note(`"${message.replace(/\s+/g, ' ')}", ${points} loss points kept`);
});

test('failures: a crashed worker ends the run with a visible error, and Start trains again in a fresh worker', 300_000, async (t) => {
  const { page } = t;
  t.allowConsoleError(/crash|worker|Simulated/i);
  // The worker's death and its replacement are under test, not a backend's kernels: wasm (forced),
  // with ten times the epochs so that both runs are still training when they are crashed and checked.
  const query = new URLSearchParams(LONG_RUN);
  query.set('epochs', '500');
  query.set('backend', 'wasm');
  await openLab(page, `${t.server.url}?${query}`);
  await startAndWaitForPoints(page);
  await page.evaluate(() => window.__distillLab?.crashWorker());
  await waitForStatus(page, 'error', 30_000);
  const message = await text(page, 'error-message');
  assert.ok(message.length > 10, 'the error message must say what happened');
  assert.match(message, /start/i, 'the error must say that Start tries again');
  await assertResponsive(page);
  await page.getByTestId('seed-input').fill('1');
  await startAndWaitForPoints(page);
  assert.equal(await runStatus(page), 'training', 'a new run must train after the crash');
  await page.getByTestId('stop-button').click();
  await waitForStatus(page, ['stopped', 'done'], 120_000);
  t.note(`"${message.replace(/\s+/g, ' ')}"`);
});

test('failures: a lost WebGPU device ends the run with a visible error, and Start sets the backend up again', 300_000, async (t) => {
  const { page } = t;
  t.allowConsoleError(/device|lost|destroy|webgpu/i);
  // Small final scores: the closing Stop waits for them on the software GPU.
  const query = new URLSearchParams(LONG_RUN);
  query.set('val_limit', '64');
  query.set('test_limit', '64');
  await openLab(page, `${t.server.url}?${query}`);
  assert.equal(await text(page, 'backend-badge'), 'webgpu', 'this test needs the WebGPU path');
  await startAndWaitForPoints(page);
  await page.evaluate(() => window.__distillLab?.loseDevice());
  await waitForStatus(page, 'error', 60_000);
  const message = await text(page, 'error-message');
  if (!/device was lost|device loss/i.test(message)) {
    await page.waitForTimeout(2000);
    t.note(`2 s later: ${await text(page, 'error-message')}; statuses ${JSON.stringify(await page.evaluate(() => window.__e2e?.statuses.map((s) => s.status)))}`);
  }
  assert.match(message, /device was lost|device loss/i, `the error must name the lost device, got: ${message}`);
  await assertResponsive(page);
  await startAndWaitForPoints(page);
  await page.getByTestId('backend-badge').waitFor({ timeout: 60_000 });
  assert.equal(await runStatus(page), 'training', 'a new run must train after the device was lost');
  await page.getByTestId('stop-button').click();
  await waitForStatus(page, ['stopped', 'done'], 120_000);
  t.note(`"${message.replace(/\s+/g, ' ')}"; backend afterwards: ${await text(page, 'backend-badge')}`);
});
