// The Classroom page's buttons: the race it starts is on screen within seconds. Both demos run to
// their closing sentences in the slow tier (demosToTheEnd.ts) and, for direction and margin, in
// test/cli/demos.test.ts; the race's scoreboard and sentence at the end are pictures.ts' too.
import assert from 'node:assert/strict';
import { test } from './harness';
import { openLab, shownText, text, waitForStatus, waitUntil } from './lab';

test('[demos] the Classroom page: four steps; the race queues hard / mix / soft on 200 images and starts them on the Compare page', 240_000, async (t) => {
  const { page } = t;
  // The Classroom page has no dataset card to wait for: the backend badge says the worker is up.
  await page.goto(`${t.server.url}?view=classroom`);
  await page.getByTestId('backend-badge').waitFor({ timeout: 120_000 });
  for (const step of ['soft-labels', 'few-labels', 'never-seen', 'matched']) await page.getByTestId(`classroom-step-${step}`).waitFor({ timeout: 10_000 });
  const clicked = performance.now();
  await page.getByTestId('classroom-go-few-labels').click();
  // A projector shows that the race runs: within 5 s the header says so and the race's progress is on screen.
  await waitUntil(() => text(page, 'run-status'), (status) => status !== 'idle', 5_000, 'the header to leave idle');
  assert.match(await text(page, 'queue-status'), /^race: run \d+ of 10$/);
  const inView = await page.getByTestId('race-progress').evaluate((bar) => {
    const box = bar.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight && box.width > 0;
  });
  assert.ok(inView, 'the race progress bar is inside the viewport');
  t.note(`Start the race → header busy and race progress on screen: ${((performance.now() - clicked) / 1000).toFixed(1)} s`);
  assert.equal(await page.getByTestId('race-lane').count(), 3, 'one lane per arm: hard, half and half, soft');
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

test('[demos] never-seen, in brief: a 1-epoch run with the 3s left out ends in the sentence that states the inspector\'s numbers', 120_000, async (t) => {
  const { page } = t;
  // The sentence and the inspector's marks, not the demo's margin (the slow tier and the CLI check
  // that): one epoch of 192 images on wasm (forced).
  const query = new URLSearchParams({ dataset: 'digits', method: 'kd', teacher: 'digits-teacher-cnn', temperature: '20', omit: '3', epochs: '1', train_limit: '192', eval_every: '1000', backend: 'wasm' });
  await openLab(page, `${t.server.url}?${query}`);
  assert.equal(await page.getByTestId('omit-class-3').isChecked(), true, 'omit=3 leaves the 3 out');
  await page.getByTestId('start-button').click();
  assert.equal(await waitForStatus(page, ['done', 'error'], 90_000), 'done', await shownText(page, 'error-message'));
  await page.getByTestId('omitted-report').waitFor({ timeout: 10_000 });
  assert.match(await text(page, 'omitted-report'), /never saw a 3/);
  assert.equal(await page.locator('[data-testid="per-class-accuracy"] [data-omitted="true"]').count(), 1, 'the per-class bars mark the class it never saw');
  const before = Number(await page.getByTestId('omitted-accuracy').getAttribute('data-value'));
  const after = Number(await page.getByTestId('omitted-accuracy-corrected').getAttribute('data-value'));
  assert.ok(after >= before, `the bias chosen on val lowered the 3s' accuracy: ${before} -> ${after}`);
  assert.equal(
    await text(page, 'demo-sentence'),
    `It recognised ${Math.round(before * 100)} % of the 3s it never saw; ${Math.round(after * 100)} % after the bias.`,
  );
  t.note(await text(page, 'demo-sentence'));

  // That run measured the set-up's speed in this browser: the preset's card states the time of its
  // own run, the very estimate beside Start.
  await page.getByTestId('preset-never-seen').click();
  const card = await waitUntil(() => page.getByTestId('preset-time').getAttribute('data-seconds'), (v) => Number(v) > 0, 5_000, 'the preset\'s measured time');
  assert.equal(card, await page.getByTestId('run-estimate').getAttribute('data-seconds'));
  assert.match(await text(page, 'preset-time'), /^In this browser it takes about (\d+ min )?\d+ s on wasm/);
  t.note(await text(page, 'preset-time'));
});
