// The lab's backend choice in Chromium with SwiftShader's software WebGPU adapter: left to itself
// it measures wasm, cpu and webgpu and picks the fastest, and a later visit takes that verdict; a
// backend forced by the URL is taken as it is and remembered.
import assert from 'node:assert/strict';
import { test } from './harness';
import { openLab, text } from './lab';
import { BACKEND_RACES_KEY } from '../../src/state/door';

test('backend: without a forced backend, SwiftShader\'s software WebGPU loses to the cpu-side backends on measured training steps; the next visit takes that verdict without racing', 180_000, async (t) => {
  const { page } = t;
  // No verdict kept from an earlier test: this visit races.
  await page.goto(`${t.server.url}#auto-backend`);
  await page.evaluate((key) => localStorage.removeItem(key), BACKEND_RACES_KEY);
  const started = Date.now();
  await openLab(page, `${t.server.url}#auto-backend`);
  const why = await text(page, 'backend-why');
  const badge = await text(page, 'backend-badge');
  t.note(`${badge}: "${why}"`);
  assert.ok(badge === 'wasm' || badge === 'cpu', `a cpu-side backend must win over SwiftShader, got ${badge}`);
  const match = new RegExp(`^webgpu is a software adapter here \\(.*swiftshader.*\\); ${badge} is (.+) \\(([\\d.]+) ms vs .+ a training step\\)$`, 'i').exec(why);
  assert.ok(match, `the reason names the adapter, the winner and its step time: ${why}`);
  // Each loser is named with a factor above 1.
  const losers = [...match[1].matchAll(/(?:at least )?([\d.]+)× faster than (\w+)/g)];
  assert.deepEqual(losers.map((l) => l[2]).sort(), ['cpu', 'wasm', 'webgpu'].filter((name) => name !== badge).sort());
  for (const loser of losers) assert.ok(Number(loser[1]) > 1, `${badge} must be measured faster than ${loser[2]}: ${why}`);
  const raced = (Date.now() - started) / 1000;

  // The next page in this browser takes the kept verdict: the same backend and words, no race.
  const again = Date.now();
  await openLab(page, `${t.server.url}#auto-backend`);
  assert.equal(await text(page, 'backend-badge'), badge);
  assert.equal(await text(page, 'backend-why'), `${why}; measured on an earlier visit in this browser`);
  t.note(`page open to badge: ${raced.toFixed(1)} s racing, ${((Date.now() - again) / 1000).toFixed(1)} s with the kept verdict`);
});

test('backend: a backend forced by the URL is respected, shown as the user\'s choice and remembered without the URL', 240_000, async (t) => {
  const { page } = t;
  await openLab(page, `${t.server.url}?backend=webgpu#auto-backend`);
  assert.equal(await text(page, 'backend-badge'), 'webgpu', 'forced webgpu must be kept even on a software adapter');
  assert.equal(await text(page, 'backend-why'), 'chosen by you (webgpu)');
  await openLab(page, `${t.server.url}?backend=wasm#keep-backend`);
  assert.equal(await text(page, 'backend-badge'), 'wasm', 'the wasm backend starts from the bundled .wasm files when forced');
  assert.equal(await text(page, 'backend-why'), 'chosen by you (wasm)');
  await openLab(page, `${t.server.url}?backend=cpu#keep-backend`);
  assert.equal(await text(page, 'backend-badge'), 'cpu');
  await openLab(page, `${t.server.url}#keep-backend`);
  assert.equal(await text(page, 'backend-badge'), 'cpu', 'the forced backend is remembered by the browser');
  assert.equal(await text(page, 'backend-why'), 'chosen by you (cpu)');
  assert.equal(await page.getByTestId('backend-select').inputValue(), 'cpu');
});
