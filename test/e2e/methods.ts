// Every distillation method of the registry trained for a few steps (one per kernel family on the
// WebGPU path, the rest on wasm), one page switching methods as a user does; a recipe of two terms; a refused layer pair; DML's two students.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { METHODS } from '../../src/kd';
import { test } from './harness';
import { chartGeometry, inputValue, openLab, selectOption, setNumber, shownText, text, waitForStatus, waitUntil } from './lab';

/** Digits, 32 training samples in batches of 16: 2 steps a run, evaluated once at its end. */
const QUICK_RUN = 'dataset=digits&student=tiny-cnn&teacher=digits-teacher-cnn&train_limit=32&test_limit=32&batch=16&epochs=1&eval_every=100&seed=1';
const QUICK_STEPS = 2;

interface DrawnLine {
  key: string;
  /** Line segments recharts drew for it (0: the line is not on the chart). */
  segments: number;
  /** The newest raw value the page shows for it. */
  latest: number;
}

/** The loss chart's lines as the page draws them: data-lines, each line's SVG path and newest value. */
async function lossLines(page: Page): Promise<DrawnLine[]> {
  return page.evaluate(() => {
    const chart = document.querySelector('[data-testid="loss-chart"]');
    const keys = (chart?.getAttribute('data-lines') ?? '').split(',').filter(Boolean);
    return keys.map((key) => {
      const path = chart?.querySelector(`.loss-line-${key} path.recharts-curve`);
      const segments = (path?.getAttribute('d') ?? '').match(/[LC]/g)?.length ?? 0;
      const latest = Number(document.querySelector(`[data-testid="loss-latest-${key}"]`)?.getAttribute('data-value'));
      return { key, segments, latest };
    });
  });
}

/** Lines of the accuracy chart with at least one drawn segment, by their class (accuracy-line-…). */
async function drawnAccuracyLines(page: Page, keys: readonly string[]): Promise<Record<string, number>> {
  return page.evaluate((wanted) => {
    const chart = document.querySelector('[data-testid="accuracy-chart"]');
    return Object.fromEntries(
      wanted.map((key) => [key, (chart?.querySelector(`.accuracy-line-${key} path.recharts-curve`)?.getAttribute('d') ?? '').match(/[LC]/g)?.length ?? 0]),
    );
  }, keys);
}

async function startEnabled(page: Page, what: string): Promise<void> {
  const start = page.getByTestId('start-button');
  try {
    await waitUntil(() => start.isEnabled(), Boolean, 60_000, `Start enabled for ${what}`);
  } catch (error) {
    const problems = await page.locator('.start-problems').textContent().catch(() => '');
    throw new Error(`${(error as Error).message}; the page says: ${problems}`);
  }
}

/** Press Start, wait for the run to end, return its wall time in seconds. */
async function runToEnd(page: Page, what: string): Promise<number> {
  await startEnabled(page, what);
  const started = performance.now();
  await page.getByTestId('start-button').click();
  const status = await waitForStatus(page, ['done', 'error'], 120_000);
  if (status !== 'done') throw new Error(`${what}: the run ended with "${status}": ${await shownText(page, 'error-message')}`);
  // The chart is republished when the run ends; wait for its rows to be drawn.
  await waitUntil(() => chartGeometry(page, 'loss-chart'), (g) => g.points >= QUICK_STEPS && g.lines > 0, 10_000, `${what}: loss rows drawn`);
  return (performance.now() - started) / 1000;
}

function assertLines(method: string, lines: DrawnLine[], expected: readonly string[]): void {
  const keys = lines.map((line) => line.key);
  assert.deepEqual(keys, expected, `${method}: the loss chart has the lines ${keys.join(', ')}, expected ${expected.join(', ')}`);
  for (const line of lines) {
    assert.ok(Number.isFinite(line.latest), `${method}: the ${line.key} loss is ${line.latest}, not a finite number`);
    assert.ok(line.segments >= QUICK_STEPS - 1, `${method}: the ${line.key} line is not drawn (${line.segments} segments)`);
  }
}

const peerLines = (method: string) => [`peer-ce`, `peer-term-${method}`, `peer-total`];

/**
 * One method of each kernel family on WebGPU: logits (kd, label-free on half the samples), a
 * feature map (at), a learnable connector (fitnet) and two students (dml). Every method also
 * trains on cpu and wasm in Node (test/kd, test/cli/methods.test.ts); here the rest train on wasm,
 * so that each still charts its own term line in the page.
 */
const WEBGPU_FAMILIES = ['kd', 'at', 'fitnet', 'dml'] as const;

/** Train each method in turn in one page, as a user switching methods does; the timings of each. */
async function trainEach(page: Page, methods: readonly string[]): Promise<string[]> {
  const timings: string[] = [];
  for (const method of methods) {
    await selectOption(page, 'method-select', method);
    // DML's accuracy lines need two evaluations to be drawn; its second student is an MLP here.
    if (method === 'dml') {
      await setNumber(page, 'eval-every-input', 1);
      await selectOption(page, 'peer-student-select', 'mlp');
    }
    // KD runs label-free on half of the samples (SSLD-style).
    if (method === 'kd') await setNumber(page, 'labelled-fraction-input', 0.5);
    else if (await page.getByTestId('labelled-fraction-input').count()) await setNumber(page, 'labelled-fraction-input', '');
    if (method === 'kd' || method === 'dml') {
      const [key, value] = method === 'kd' ? ['labelled_fraction', '0.5'] : ['peer_student', 'mlp'];
      await waitUntil(async () => new URL(page.url()).searchParams.get(key), (v) => v === value, 5_000, `${key}=${value} in the URL`);
    }
    const seconds = await runToEnd(page, method);
    const lines = await lossLines(page);
    const own = method === 'none' ? [] : [`term-${method}`];
    // A mutual method (DML, UDML) charts its peer's lines too.
    const mutual = METHODS.find((spec) => spec.id === method)?.kind === 'mutual';
    assertLines(method, lines, ['ce', ...own, 'total', ...(mutual ? peerLines(method) : [])]);
    if (method !== 'none') {
      const term = lines.find((line) => line.key === `term-${method}`)!;
      // A fresh student does not match the teacher: no method's term is exactly 0 (VID's may be negative).
      assert.notEqual(term.latest, 0, `${method}: its term is exactly 0 after ${QUICK_STEPS} steps`);
    }
    timings.push(`${method} ${seconds.toFixed(1)} s`);
  }
  return timings;
}

test('methods: one method per kernel family trains a few steps on WebGPU, every other method on wasm; each charts its own term line with finite losses', 330_000, async (t) => {
  const { page } = t;
  await openLab(page, `${t.server.url}?${QUICK_RUN}`);
  assert.equal(await text(page, 'backend-badge'), 'webgpu', 'the runs must take the WebGPU path');
  const options = await page.getByTestId('method-select').locator('option').evaluateAll((list) => list.map((o) => (o as HTMLOptionElement).value));
  assert.deepEqual(options, METHODS.map((m) => m.id), 'the method picker must offer every method of the registry, in its order');
  const gpu = await trainEach(page, WEBGPU_FAMILIES);
  // DML (the last on WebGPU): the accuracy chart shows both students.
  const accuracy = await page.getByTestId('accuracy-chart').getAttribute('data-lines');
  assert.equal(accuracy, 'train,val,test,peer-train,peer-val,peer-test', 'the DML run must chart the peer student’s accuracy too');
  const drawn = await drawnAccuracyLines(page, ['peer-val', 'peer-test']);
  assert.ok(drawn['peer-val'] > 0 && drawn['peer-test'] > 0, `the peer's accuracy lines are not drawn: ${JSON.stringify(drawn)}`);

  await openLab(page, `${t.server.url}?${QUICK_RUN}&backend=wasm`);
  assert.equal(await text(page, 'backend-badge'), 'wasm');
  const rest = METHODS.map((m) => m.id).filter((id) => !(WEBGPU_FAMILIES as readonly string[]).includes(id));
  const cpuSide = await trainEach(page, rest);
  t.note(`Start to done per method (${QUICK_STEPS} steps each): webgpu ${gpu.join(', ')}; wasm ${cpuSide.join(', ')}`);
});

test('methods: a recipe of kd 0.9 and at 1000 charts two term lines, and its URL reopens it', 180_000, async (t) => {
  const { page } = t;
  await openLab(page, `${t.server.url}?${QUICK_RUN}&method=kd&backend=wasm`);
  await page.getByTestId('recipe-toggle').check();
  assert.equal(await inputValue(page, 'term-0-method-select'), 'kd');
  await page.getByTestId('term-0-weight-input').fill('0.9');
  await selectOption(page, 'add-term-select', 'at');
  await page.getByTestId('add-term-button').click();
  assert.equal(await inputValue(page, 'term-1-method-select'), 'at');
  await page.getByTestId('term-1-weight-input').fill('1000');
  // AT reads layers: its pickers show the reference pairs with their shapes on Digits.
  const studentLayer = page.getByTestId('term-1-student-layer-select-0');
  await waitUntil(() => studentLayer.inputValue(), (v) => v === 'block1', 30_000, 'the reference student layer of AT');
  const label = await studentLayer.locator('option:checked').textContent();
  assert.equal(label, 'block1 [8,8,16]', 'the student layer picker must show the tap with its shape');

  const seconds = await runToEnd(page, 'kd + at');
  const lines = await lossLines(page);
  assertLines('kd + at', lines, ['ce', 'term-kd', 'term-at', 'total']);
  const kd = lines.find((l) => l.key === 'term-kd')!.latest;
  const at = lines.find((l) => l.key === 'term-at')!.latest;
  const ce = lines.find((l) => l.key === 'ce')!.latest;
  const total = lines.find((l) => l.key === 'total')!.latest;
  // CE weight 1 − 0.9 (the first term mixes by ratio), then 0.9·kd + 1000·at.
  const expected = 0.1 * ce + 0.9 * kd + 1000 * at;
  assert.ok(Math.abs(total - expected) <= 1e-3 * Math.max(1, Math.abs(expected)), `total ${total} is not 0.1·ce + 0.9·kd + 1000·at = ${expected}`);
  t.note(`kd + at: ${seconds.toFixed(1)} s; last step ce ${ce.toFixed(4)}, kd ${kd.toFixed(4)}, at ${at.toExponential(3)}, total ${total.toFixed(4)}`);

  // On a linear axis the AT term (~0.005) lies on the floor next to kd (~16); a log axis lifts it.
  const liftOffFloor = async () =>
    page.evaluate(() => {
      const chart = document.querySelector('[data-testid="loss-chart"]')!;
      const floor = Math.max(...[...chart.querySelectorAll('.recharts-cartesian-grid-horizontal line')].map((l) => l.getBoundingClientRect().bottom));
      const box = chart.querySelector('.loss-line-term-at path')!.getBoundingClientRect();
      return floor - box.bottom;
    });
  const linearLift = await liftOffFloor();
  await page.getByTestId('log-scale-toggle').check();
  await waitUntil(() => page.getByTestId('loss-chart').getAttribute('data-scale'), (v) => v === 'log', 5_000, 'the log scale');
  const logLift = await waitUntil(liftOffFloor, (v) => v > 20, 5_000, 'the AT line to leave the floor on a log axis');
  assert.ok(linearLift < 5, `on a linear axis the AT line should lie on the floor, it is ${linearLift.toFixed(1)} px above it`);
  t.note(`AT line above the floor: ${linearLift.toFixed(1)} px linear, ${logLift.toFixed(1)} px log`);

  const url = await waitUntil(async () => page.url(), (u) => new URL(u).searchParams.get('recipe') === 'kd:0.9,at:1000', 5_000, 'the recipe in the URL');
  const reopened = await t.context.newPage();
  try {
    await openLab(reopened, url);
    assert.equal(await reopened.getByTestId('recipe-toggle').isChecked(), true);
    assert.equal(await inputValue(reopened, 'term-0-method-select'), 'kd');
    assert.equal(await inputValue(reopened, 'term-1-method-select'), 'at');
    assert.equal(await inputValue(reopened, 'term-1-weight-input'), '1000');
  } finally {
    await reopened.close();
  }
});

test('methods: a layer pair AT cannot read is refused beside the pickers, naming both shapes, and Start is disabled', 120_000, async (t) => {
  const { page } = t;
  await openLab(page, `${t.server.url}?${QUICK_RUN}&method=at`);
  const start = page.getByTestId('start-button');
  await startEnabled(page, 'at with its reference layers');
  assert.equal(await inputValue(page, 'student-layer-select-0'), 'block1');
  assert.equal(await inputValue(page, 'teacher-layer-select-1'), 'block2');
  await selectOption(page, 'student-layer-select-0', 'embedding');
  const problem = page.getByTestId('layer-problem');
  const message = await waitUntil(async () => ((await problem.count()) ? ((await problem.textContent()) ?? '') : ''), (m) => m !== '', 30_000, 'the refusal');
  assert.match(message, /student embedding \[512\]/, `the refusal must name the student layer and its shape: ${message}`);
  assert.match(message, /teacher block1 \[8,8,32\]/, `the refusal must name the teacher layer and its shape: ${message}`);
  assert.equal(await start.isDisabled(), true, 'Start must be disabled while a pair is refused');
  const select = page.getByTestId('student-layer-select-0');
  assert.equal(await select.getAttribute('aria-invalid'), 'true');
  const describedBy = (await select.getAttribute('aria-describedby')) ?? '';
  assert.ok(describedBy.split(' ').includes((await problem.getAttribute('id')) ?? '-'), 'the picker must point at its refusal (aria-describedby)');
  t.note(`"${message}"`);
  await page.getByTestId('reset-layers').click();
  await waitUntil(() => problem.count(), (n) => n === 0, 30_000, 'the refusal to go after choosing the reference layers');
  await startEnabled(page, 'at after the reset');
});
