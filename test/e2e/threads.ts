// Every core in the browser: the built page is cross-origin isolated (vite preview sends COOP and
// COEP), the wasm backend starts its pthread workers from the page's origin and trains on one thread
// per core, with the losses of one thread; a host that sends neither header gets isolation from
// public/coi-serviceworker.js, and without that worker the lab still trains, on one thread.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { test, type TestContext } from './harness';
import { openLab, shownText, text, waitForStatus } from './lab';

/** A short KD run on Digits, forced onto wasm. */
const RUN = new URLSearchParams({ backend: 'wasm', dataset: 'digits', method: 'kd', epochs: '2', eval_every: '1000', train_limit: '256', test_limit: '128', val_limit: '128' });
const LOSSES = ['total', 'ce', 'term-kd'];

/**
 * The preview server behind a plain static host: the same files without the isolation headers,
 * and, with `serviceWorker` false, without the service-worker fallback (404).
 */
async function plainHost(target: string, serviceWorker: boolean): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = http.createServer((request, response) => {
    if (!serviceWorker && request.url?.split('?')[0].endsWith('/coi-serviceworker.js')) {
      response.writeHead(404).end();
      return;
    }
    const forwarded = http.request({ host: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: request.headers }, (answer) => {
      const headers = { ...answer.headers };
      delete headers['cross-origin-opener-policy'];
      delete headers['cross-origin-embedder-policy'];
      response.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(response);
    });
    forwarded.on('error', () => response.writeHead(502).end());
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

interface Trained {
  isolated: boolean;
  cores: number;
  threads: string;
  losses: Record<string, number>;
  accuracy: string;
}

/** Open `url` (already carrying RUN), train to the end and read the final losses at full precision. */
async function train(t: TestContext, page: Page, url: string): Promise<Trained> {
  await openLab(page, url);
  assert.equal(await text(page, 'backend-badge'), 'wasm', 'the badge names the backend alone');
  const threads = await text(page, 'backend-threads');
  await page.getByTestId('start-button').click();
  const final = await waitForStatus(page, ['done', 'stopped', 'error'], 180_000);
  assert.equal(final, 'done', `the run ended ${final}: ${await shownText(page, 'error-message')}`);
  const losses: Record<string, number> = {};
  for (const key of LOSSES) losses[key] = Number(await page.getByTestId(`loss-latest-${key}`).getAttribute('data-value'));
  const { isolated, cores } = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }));
  const trained = { isolated, cores, threads, losses, accuracy: await text(page, 'test-accuracy') };
  t.note(`${new URL(url).port}: isolated ${isolated}, "${threads}", losses ${LOSSES.map((key) => `${key} ${losses[key]}`).join(', ')}, test ${trained.accuracy}`);
  return trained;
}

test('threads: the built page is cross-origin isolated and wasm trains on every core, with the losses of one thread', 600_000, async (t) => {
  const threaded = await train(t, t.page, `${t.server.url}?${RUN}`);
  assert.equal(threaded.isolated, true, 'vite preview sends COOP and COEP: the page must be cross-origin isolated');
  const expected = Math.min(threaded.cores, 8);
  assert.equal(threaded.threads, expected > 1 ? `wasm · ${expected} threads` : 'wasm · 1 thread', `one thread per core (${threaded.cores})`);

  // The same run where the host sends no headers and has no service worker: one thread.
  const host = await plainHost(t.server.url, false);
  const page = await t.context.newPage();
  try {
    const single = await train(t, page, `${host.url}?${RUN}`);
    assert.equal(single.isolated, false);
    assert.equal(single.threads, 'wasm · 1 thread (the page is not cross-origin isolated)');
    // XNNPACK splits work between threads, not sums: the numbers agree to float rounding (here, exactly).
    for (const key of LOSSES) {
      const [a, b] = [threaded.losses[key], single.losses[key]];
      assert.ok(Number.isFinite(a) && Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${key}: ${a} on ${threaded.threads}, ${b} on one thread`);
    }
    assert.equal(threaded.accuracy, single.accuracy);
  } finally {
    await page.close();
    await host.close();
  }
});

test('threads: a host without the headers gets cross-origin isolation from the service worker, after one reload', 300_000, async (t) => {
  const host = await plainHost(t.server.url, true);
  try {
    await t.page.goto(host.url);
    // The worker registers, takes the page over and reloads it once; then the page is isolated.
    await t.page.waitForFunction(() => crossOriginIsolated, null, { timeout: 60_000 });
    await openLab(t.page, `${host.url}?${RUN}`);
    const cores = await t.page.evaluate(() => navigator.hardwareConcurrency);
    const threads = await text(t.page, 'backend-threads');
    t.note(`through the service worker: "${threads}" on ${cores} cores`);
    if (cores > 1) assert.match(threads, /^wasm · \d+ threads$/);
    assert.equal(await t.page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null), `${host.url}coi-serviceworker.js`);
  } finally {
    await t.page.evaluate(async () => {
      for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
    }).catch(() => {});
    await host.close();
  }
});
