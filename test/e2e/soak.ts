// In the slow tier (`node --import tsx test/e2e/run.ts --slow [--runs N]`, not in the default run):
// many short runs back to back in one page, mixing methods with finished, stopped, paused and
// failed runs, and the worker's tfjs tensor count and bytes must stay flat once warmed up.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { test } from './harness';
import { openLab, selectOption, setNumber, shownText, waitForStatus } from './lab';

const RUNS = Number(process.env.SOAK_RUNS ?? 50);
/** Runs before the memory baseline: every method and behaviour has been through once (teacher cached, kernels compiled). */
const WARM_UP = 10;
const METHODS = ['kd', 'none', 'dkd', 'dist', 'at'] as const;
const BEHAVIOURS = ['finish', 'stop', 'pause', 'fail'] as const;

async function workerMemory(page: Page): Promise<{ numTensors: number; numBytes: number; backend: string }> {
  return page.evaluate(() => window.__distillLab!.workerMemory());
}

/** A NaN loss within a few steps: SGD with weight decay 1000 multiplies the weights by about -99 a step. */
async function setDiverging(page: Page, on: boolean): Promise<void> {
  await selectOption(page, 'optimizer-select', on ? 'sgd' : 'adam');
  await setNumber(page, 'lr-input', on ? 0.1 : 0.003);
  await setNumber(page, 'weight-decay-input', on ? 1000 : 0);
}

test(`soak: ${RUNS} short runs in one page (methods ${METHODS.join(', ')}; finished, stopped, paused, failed), worker tensors and bytes flat`, RUNS * 90_000, async (t) => {
  const { page } = t;
  const query = new URLSearchParams({ dataset: 'digits', method: 'kd', epochs: '1', batch: '32', eval_every: '1000', train_limit: '128', test_limit: '64', val_limit: '64' });
  await openLab(page, `${t.server.url}?${query}`);
  const memory: { numTensors: number; numBytes: number }[] = [];
  const endings: string[] = [];
  const started = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const method = METHODS[i % METHODS.length];
    const behaviour = BEHAVIOURS[i % BEHAVIOURS.length];
    await selectOption(page, 'method-select', behaviour === 'fail' ? 'none' : method);
    await setDiverging(page, behaviour === 'fail');
    // Long enough to be caught training when it is to be stopped or paused, and for the loss to overflow when it is to fail.
    await setNumber(page, 'epochs-input', behaviour === 'finish' ? 1 : 20);
    await page.getByTestId('start-button').click();
    if (behaviour === 'stop' || behaviour === 'pause') {
      await waitForStatus(page, 'training', 60_000);
      await page.waitForTimeout(500);
      if (behaviour === 'pause') {
        await page.getByTestId('pause-button').click();
        await waitForStatus(page, 'paused', 60_000);
        await page.getByTestId('resume-button').click();
        await waitForStatus(page, 'training', 10_000);
      }
      await page.getByTestId('stop-button').click();
    }
    const final = await waitForStatus(page, ['done', 'stopped', 'error'], 120_000);
    const expected = { finish: 'done', stop: 'stopped', pause: 'stopped', fail: 'error' }[behaviour];
    assert.equal(final, expected, `run ${i + 1} (${method}, ${behaviour}) ended "${final}": ${await shownText(page, 'error-message')}`);
    endings.push(`${behaviour === 'fail' ? 'none' : method}:${final}`);
    // The Lab's saving of a finished run exports its student from the worker: let it settle.
    await page.waitForTimeout(300);
    memory.push(await workerMemory(page));
    // The slow tier runs for many minutes: one line a run shows it moving.
    console.log(`    soak run ${i + 1}/${RUNS} ${endings[i]} after ${((performance.now() - started) / 1000).toFixed(0)} s: ${memory[i].numTensors} tensors, ${(memory[i].numBytes / 1e6).toFixed(2)} MB`);
  }
  const settled = memory.slice(Math.min(WARM_UP, memory.length - 1));
  const tensors = settled.map((m) => m.numTensors);
  const bytes = settled.map((m) => m.numBytes);
  const backend = (await workerMemory(page)).backend;
  t.note(`${RUNS} runs in ${((performance.now() - started) / 1000).toFixed(0)} s on ${backend}; endings ${endings.join(' ')}`);
  t.note(`worker tensors after each run: ${memory.map((m) => m.numTensors).join(' ')}`);
  t.note(`worker MB after each run: ${memory.map((m) => (m.numBytes / 1e6).toFixed(2)).join(' ')}`);
  assert.equal(Math.max(...tensors) - Math.min(...tensors), 0, `tensors after warm-up went ${tensors.join(' ')}`);
  assert.equal(Math.max(...bytes) - Math.min(...bytes), 0, `bytes after warm-up went ${bytes.join(' ')}`);
});
