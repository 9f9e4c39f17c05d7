// The lab's backend choice in Chromium with SwiftShader's software WebGPU adapter: left to itself
// it measures and picks cpu; a backend forced by the URL is taken as it is and remembered.
import assert from 'node:assert/strict';
import { test } from './harness';
import { openLab, text } from './lab';

test('backend: without a forced backend, SwiftShader\'s software WebGPU loses to cpu on measured training steps', 180_000, async (t) => {
  const { page } = t;
  const started = Date.now();
  await openLab(page, `${t.server.url}#auto-backend`);
  const why = await text(page, 'backend-why');
  t.note(`"${why}" (page open to badge: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  assert.equal(await text(page, 'backend-badge'), 'cpu');
  assert.match(why, /webgpu is a software adapter here \(.*swiftshader.*\); cpu is (at least )?[\d.]+× faster/i);
  const factor = Number(/([\d.]+)× faster/.exec(why)![1]);
  assert.ok(factor > 1, `cpu must be measured faster, got ${factor}×`);
});

test('backend: a backend forced by the URL is respected, shown as the user\'s choice and remembered without the URL', 240_000, async (t) => {
  const { page } = t;
  await openLab(page, `${t.server.url}?backend=webgpu#auto-backend`);
  assert.equal(await text(page, 'backend-badge'), 'webgpu', 'forced webgpu must be kept even on a software adapter');
  assert.equal(await text(page, 'backend-why'), 'chosen by you (webgpu)');
  await openLab(page, `${t.server.url}?backend=cpu#keep-backend`);
  assert.equal(await text(page, 'backend-badge'), 'cpu');
  await openLab(page, `${t.server.url}#keep-backend`);
  assert.equal(await text(page, 'backend-badge'), 'cpu', 'the forced backend is remembered by the browser');
  assert.equal(await text(page, 'backend-why'), 'chosen by you (cpu)');
  assert.equal(await page.getByTestId('backend-select').inputValue(), 'cpu');
});
