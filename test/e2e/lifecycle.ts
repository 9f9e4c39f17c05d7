// A run's life in the browser: Stop in the middle of caching the teacher, a reload mid-run, an
// error that gives way to the next action, and the built page's Content-Security-Policy.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { test } from './harness';
import { chartGeometry, openLab, runStatus, setNumber, shownText, text, waitForStatus, waitUntil } from './lab';

declare global {
  interface Window {
    __violations?: string[];
  }
}

/** A Digits KD run long enough that it is still training when the test interferes. */
const LONG_RUN = new URLSearchParams({ dataset: 'digits', method: 'kd', epochs: '50', eval_every: '1000', train_limit: '512', test_limit: '128' });

async function startAndWaitForPoints(page: Page): Promise<number> {
  await page.getByTestId('start-button').click();
  await waitForStatus(page, 'training', 120_000);
  return waitUntil(async () => (await chartGeometry(page, 'loss-chart')).points, (n) => n >= 2, 120_000, 'loss points');
}

test('lifecycle: Stop while the teacher outputs are cached ends the run as stopped within seconds, not after the whole cache', 300_000, async (t) => {
  const { page } = t;
  // Shipped teachers come with their logits, so the cache that is still computed is AT's feature maps: 800 MNIST
  // samples fit its 64 MB budget and take four teacher batches of 256 (seconds each) on the cpu backend.
  const query = new URLSearchParams({ dataset: 'mnist', method: 'at', epochs: '1', eval_every: '1000', train_limit: '800', test_limit: '256', val_limit: '256', backend: 'cpu' });
  await openLab(page, `${t.server.url}?${query}`);
  await page.getByTestId('start-button').click();
  await page
    .getByText('Caching teacher logits')
    .waitFor({ timeout: 180_000 })
    .catch(async () => {
      const panel = await page.locator('.run-progress').textContent().catch(() => '');
      throw new Error(`the run never showed the caching phase: status ${await runStatus(page)}, "${panel}", ${(await shownText(page, 'error-message')) || 'no error'}`);
    });
  await page.waitForTimeout(300);
  const clicked = performance.now();
  await page.getByTestId('stop-button').click();
  const final = await waitForStatus(page, ['stopped', 'done', 'error'], 60_000);
  const seconds = (performance.now() - clicked) / 1000;
  assert.equal(final, 'stopped', `a stop during caching ended "${final}": ${await shownText(page, 'error-message')}`);
  assert.match(await text(page, 'run-stopped'), /stopped at step 0 of [\d,]+/, 'the run panel must say it stopped before any step');
  // One teacher batch plus the evaluation of the untrained student on 256 + 256 images.
  assert.ok(seconds < 20, `the stop took ${seconds.toFixed(1)} s`);
  assert.equal(await page.getByTestId('start-button').isEnabled(), true, 'Start must be usable after the stop');
  t.note(`stopped ${seconds.toFixed(1)} s after the click, during caching (cpu backend)`);
});

test('lifecycle: Stop during the final evaluation ends the run within seconds, scored on the first 500 val and test images', 300_000, async (t) => {
  const { page } = t;
  // A large student on MNIST, cpu backend: the final pass over 6,000 val and 10,000 test images takes many seconds.
  const query = new URLSearchParams({ dataset: 'mnist', method: 'none', student: 'small-cnn', epochs: '1', eval_every: '1000', train_limit: '256', backend: 'cpu' });
  await openLab(page, `${t.server.url}?${query}`);
  await page.getByTestId('start-button').click();
  await page.getByText(/final scores on all 6,000 val and 10,000 test images/).waitFor({ timeout: 180_000 });
  const clicked = performance.now();
  await page.getByTestId('stop-button').click();
  const final = await waitForStatus(page, ['stopped', 'done', 'error'], 60_000);
  const seconds = (performance.now() - clicked) / 1000;
  assert.equal(final, 'stopped', `a stop during the final evaluation ended "${final}"`);
  // Every step was trained: the run says it stopped after its last step, and on what it was scored.
  assert.match(await text(page, 'run-stopped'), /stopped at step (\d+) of \1\b/);
  await page.getByText(/scored on the first 500 val and 500 test images/).waitFor({ timeout: 10_000 });
  assert.ok(seconds < 10, `the stop took ${seconds.toFixed(1)} s`);
  t.note(`stopped ${seconds.toFixed(1)} s after the click, during the final evaluation (cpu backend)`);
});

test('lifecycle: reloading mid-run asks first, and the run stays in the saved list as interrupted with its curve and step', 300_000, async (t) => {
  const { page } = t;
  // Checkpoints and the saved list are under test, not a backend's kernels: wasm (forced), with ten
  // times the epochs so that the run still trains when the page reloads.
  const query = new URLSearchParams(LONG_RUN);
  query.set('epochs', '500');
  query.set('backend', 'wasm');
  await openLab(page, `${t.server.url}?${query}`);
  await startAndWaitForPoints(page);
  // Checkpoints are written every 5 s of progress.
  await page.waitForTimeout(7000);
  const checkpoints = await page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const open = indexedDB.open('distillation-lab');
        open.onsuccess = () => {
          const request = open.result.transaction('runs', 'readonly').objectStore('runs').getAll();
          request.onsuccess = () => resolve(JSON.stringify((request.result as { id: string; interrupted?: unknown }[]).map((run) => [run.id, run.interrupted])));
          request.onerror = () => resolve(`read failed: ${request.error}`);
        };
        open.onerror = () => resolve(`open failed: ${open.error}`);
      }),
  );
  const storageError = await page.getByTestId('storage-error').textContent({ timeout: 100 }).catch(() => 'none');
  assert.match(checkpoints, /"interrupted"|\{"step"/, `no checkpoint in IndexedDB while the run trains: ${checkpoints}; storage error: ${storageError}`);
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.type());
    void dialog.accept();
  });
  await page.reload();
  assert.deepEqual(dialogs, ['beforeunload'], 'the browser must ask before leaving a running run');
  await page.getByTestId('backend-badge').waitFor({ timeout: 120_000 });
  assert.equal(await runStatus(page), 'idle');
  await page.getByTestId('tab-compare').click();
  await page.getByTestId('compare-page').waitFor(); // the page loads with its first visit
  const interrupted = page.locator('[data-testid="saved-run"][data-outcome="interrupted"]');
  await interrupted
    .first()
    .waitFor({ timeout: 10_000 })
    .catch(async () => {
      const saved = await page.locator('[data-testid="saved-run"]').evaluateAll((items) => items.map((item) => `${item.getAttribute('data-outcome')}: ${item.textContent}`));
      const storage = await page.getByTestId('storage-error').textContent({ timeout: 100 }).catch(() => 'none');
      throw new Error(`no interrupted run in the saved list (storage error: ${storage}); saved: ${saved.join(' | ')}`);
    });
  const outcome = await interrupted.first().getByTestId('saved-run-outcome').textContent();
  assert.match(outcome ?? '', /interrupted at step [\d,]+ of [\d,]+/, `the saved run must say where it was interrupted: ${outcome}`);
  // Its curve comes back in the comparison.
  await interrupted.first().getByTestId('saved-run-show').check();
  const row = page.locator('[data-testid="compare-row"][data-status="stopped"]');
  await row.first().waitFor({ timeout: 10_000 });
  t.note(`"${outcome}"`);
});

test('lifecycle: an error gives way to the next action that works (a preset click)', 240_000, async (t) => {
  const { page } = t;
  t.allowConsoleError(/crash|worker|Simulated/i);
  // The banner's life is under test, not a backend's kernels: wasm (forced), long enough to be crashed mid-run.
  const query = new URLSearchParams(LONG_RUN);
  query.set('epochs', '500');
  query.set('backend', 'wasm');
  await openLab(page, `${t.server.url}?${query}`);
  await startAndWaitForPoints(page);
  await page.evaluate(() => window.__distillLab?.crashWorker());
  await waitForStatus(page, 'error', 30_000);
  await page.getByTestId('error-message').waitFor();
  await page.getByTestId('preset-repdistiller').click();
  await waitForStatus(page, 'idle', 5_000);
  assert.equal(await page.getByTestId('error-message').count(), 0, 'the red banner must go when the next action succeeds');
});

test('lifecycle: the built page has a strict Content-Security-Policy, and training still works under it; unknown hide= names are listed', 240_000, async (t) => {
  const { page } = t;
  t.allowConsoleError(/Content Security Policy|Refused to|Failed to fetch/i);
  await page.addInitScript({ content: "window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.effectiveDirective));" });
  const query = new URLSearchParams({ dataset: 'digits', method: 'kd', epochs: '1', eval_every: '1000', train_limit: '256', test_limit: '64', val_limit: '64', hide: 'lr,bogus' });
  // wasm, the backend the lab picks on machines like this one, whose compilation the policy must allow
  // (forced: the race itself is backendChoice.ts's test).
  query.set('backend', 'wasm');
  await openLab(page, `${t.server.url}?${query}`);
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.ok(policy, 'the built index.html must carry a Content-Security-Policy');
  for (const directive of ["script-src 'self' 'wasm-unsafe-eval'", "worker-src 'self'", "connect-src 'self'"]) assert.ok(policy.includes(directive), `the policy lacks ${directive}: ${policy}`);
  assert.match(await text(page, 'classroom-unknown'), /"bogus"/);
  // An inline script and a request to another origin are refused.
  const inlineRan = await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.__inlineRan = true';
    document.head.append(script);
    return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
  });
  assert.equal(inlineRan, false, 'an inline script ran under the policy');
  const fetched = await page.evaluate(() => fetch('http://127.0.0.2:9/').then(() => 'fetched', () => 'refused'));
  assert.equal(fetched, 'refused');
  const violations = await page.evaluate(() => window.__violations ?? []);
  assert.ok(violations.includes('script-src-elem') && violations.includes('connect-src'), `expected script and connect violations, got ${violations.join(', ')}`);
  // The worker and the backend the lab picked still train under the policy.
  await page.getByTestId('start-button').click();
  const final = await waitForStatus(page, ['done', 'error'], 180_000);
  assert.equal(final, 'done', await shownText(page, 'error-message'));
  const others = (await page.evaluate(() => window.__violations ?? [])).slice(violations.length);
  assert.deepEqual(others, [], 'training must not trip the policy');
  t.note(`backend ${await text(page, 'backend-badge')}; policy: ${policy}`);
});

test('lifecycle: a queued comparison run shows the configuration it will train, frozen when queued, whatever the Lab says later', 120_000, async (t) => {
  const { page } = t;
  await openLab(page, `${t.server.url}?${new URLSearchParams({ dataset: 'digits', epochs: '10' })}`);
  await page.getByTestId('preset-soft-vs-hard').click();
  await setNumber(page, 'epochs-input', 3);
  await page.getByTestId('tab-compare').click();
  await page.getByTestId('compare-page').waitFor(); // the page loads with its first visit
  const planned = await page.getByTestId('compare-planned-config').allTextContents();
  assert.equal(planned.length, 2, `two queued runs expected: ${planned.join(' | ')}`);
  for (const line of planned) assert.match(line, /\(40 epochs · /, `a queued run must show the 40 epochs it was queued with: ${line}`);
  assert.match(await text(page, 'compare-base'), /3\s+epochs/, 'a run added now starts from the Lab: 3 epochs');
  assert.match(await text(page, 'compare-rule'), /frozen when it is added/);
});

test('lifecycle: Stop while the dataset downloads answers at once: stopped, nothing trained, and the dataset still arrives', 240_000, async (t) => {
  const { page } = t;
  await openLab(page, `${t.server.url}?${new URLSearchParams({ dataset: 'digits', method: 'kd', epochs: '1' })}`);
  await page.getByTestId('dataset-select').selectOption('fashion-mnist');
  await page.getByTestId('start-button').click();
  await waitForStatus(page, 'loading', 10_000);
  const clicked = performance.now();
  await page.getByTestId('stop-button').click();
  const final = await waitForStatus(page, ['stopped', 'done', 'error'], 60_000);
  const seconds = (performance.now() - clicked) / 1000;
  assert.equal(final, 'stopped', await shownText(page, 'error-message'));
  assert.match(await text(page, 'run-stopped'), /before training began/);
  assert.ok(seconds < 5, `the stop took ${seconds.toFixed(1)} s`);
  // The download goes on for the next run.
  await page.locator('[data-testid="dataset-card"][aria-label*="Fashion" i]').waitFor({ timeout: 180_000 });
  t.note(`stopped ${seconds.toFixed(1)} s after the click, while Fashion-MNIST loaded`);
});
