// Pictures to take away: the Lab's loss and accuracy charts as PNG (1600 px wide) and SVG (every
// colour a value, not a CSS variable of the page), and the race's scoreboard as a 1600×900 PNG.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { test } from './harness';
import { openLab, waitForStatus, waitUntil } from './lab';

/** A PNG's width and height from its IHDR chunk (after checking the signature). */
function pngSize(bytes: Buffer): { width: number; height: number } {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

async function download(page: Page, testId: string): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), bytes: await readFile(path) };
}

test('pictures: the Lab\'s charts download as 1600-px PNG and self-contained SVG; the race\'s scoreboard as a 1600×900 PNG', 240_000, async (t) => {
  const { page } = t;
  await openLab(page, `${t.server.url}?dataset=digits&method=kd&epochs=3&eval_every=10&backend=wasm`);
  await page.getByTestId('start-button').click();
  await waitForStatus(page, 'done', 120_000);

  const lossPng = await download(page, 'loss-chart-png');
  assert.equal(lossPng.name, 'loss-per-step.png');
  assert.equal(pngSize(lossPng.bytes).width, 1600);
  const accuracyPng = await download(page, 'accuracy-chart-png');
  const { width, height } = pngSize(accuracyPng.bytes);
  assert.equal(width, 1600);
  assert.ok(height > 500 && height < 1000, `a slide-shaped picture (${width}×${height})`);
  const lossSvg = (await download(page, 'loss-chart-svg')).bytes.toString('utf8');
  assert.match(lossSvg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.doesNotMatch(lossSvg, /var\(--/, 'no CSS variable of the page left in the file');
  // The three loss lines keep their colours as values.
  const strokes = new Set([...lossSvg.matchAll(/<path[^>]*stroke="(rgb\([^"]+\))"[^>]*d="M/g)].map((m) => m[1]));
  assert.ok(strokes.size >= 3, `the lines' colours: ${[...strokes].join(', ')}`);
  assert.match(lossSvg, />Loss per step</);

  // The race, short version: its scoreboard as a slide.
  await page.getByTestId('preset-soft-vs-hard').click();
  await page.getByTestId('preset-short').click();
  await page.getByTestId('preset-start-race').click();
  await page.getByTestId('race-view').waitFor({ timeout: 10_000 });
  await waitUntil(() => page.getByTestId('race-view').getAttribute('data-status'), (status) => status === 'idle', 180_000, 'the race to end');
  await page.getByTestId('race-sentence').waitFor({ timeout: 10_000 });
  const board = await download(page, 'race-png');
  assert.equal(board.name, 'the-few-label-race.png');
  assert.deepEqual(pngSize(board.bytes), { width: 1600, height: 900 });
  const comparePng = await download(page, 'compare-accuracy-chart-png');
  assert.equal(pngSize(comparePng.bytes).width, 1600);
});
