// Hostile dataset files through the page's upload path: bombs refused with the renderer's peak
// memory bounded and given back, images too small for the student refused at Start (the MLP
// trains on them), and a wasm trap in the worker answered by a fresh worker in which the next run works.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { test } from './harness';
import { openLab, problemBesideControl, selectOption, shownText, sleep, text, waitForStatus, waitUntil } from './lab';
import { concat, crc32, deflatedZeros, simplePng, zipBytes, zipOfEntries } from '../data/files/corpus';

const MB = 1024 ** 2;
let folder = '';
/** What refusing a bomb may add to the renderer's peak (the bound is 1.5 GB in all). */
const PEAK_GROWTH_BOUND_MB = 400;

/** Chromium's renderer processes (the page and its worker live in one). */
async function rendererPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('--type=renderer')) pids.push(Number(entry));
  }
  return pids;
}

/** The largest renderer's resident memory now (VmRSS) and at its peak since the last reset (VmHWM), in MB. */
async function rendererMemory(): Promise<{ rssMb: number; peakMb: number }> {
  let rssMb = 0;
  let peakMb = 0;
  for (const pid of await rendererPids()) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
    rssMb = Math.max(rssMb, field('VmRSS'));
    peakMb = Math.max(peakMb, field('VmHWM'));
  }
  return { rssMb, peakMb };
}

/** Start a new peak: writing 5 to clear_refs resets VmHWM (Linux). */
async function resetPeaks(): Promise<void> {
  for (const pid of await rendererPids()) await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => {});
}

/** Pick a file from disk as a user does (the page gets a File backed by it; nothing is copied through the test driver). */
async function uploadRefused(page: Page, name: string, buffer: Buffer | Uint8Array): Promise<string> {
  const file = path.join(folder, name);
  await writeFile(file, buffer);
  const previous = await shownText(page, 'dataset-upload-status');
  await page.getByTestId('dataset-file-input').setInputFiles(file);
  // The status may still show the previous refusal: wait for a new one.
  const refused = async () => ((await page.getByTestId('dataset-upload-status').getAttribute('data-state')) === 'refused' ? text(page, 'dataset-upload-status') : '');
  return waitUntil(refused, (message) => message !== '' && message !== previous, 60_000, `the refusal of ${name}`);
}

async function bombs(): Promise<{ zip: Uint8Array; gz: Uint8Array }> {
  const body = concat([simplePng(8, 8, 1, (x, y) => x * y), new Uint8Array(20 * MB)]);
  const data = new Uint8Array(await new Response(new Blob([body as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer());
  const crc = crc32(body);
  const zip = zipOfEntries(Array.from({ length: 200 }, (_, i) => ({ path: `bomb/${i % 2 ? 'a' : 'b'}/${i}.png`, method: 8 as const, data, size: body.length, crc })));
  return { zip, gz: (await deflatedZeros(200 * MB, 'gzip')).data };
}

test('hostile uploads: a 4 GB zip bomb and a gzip bomb are refused within a bounded renderer peak and their memory given back; 1×1 images are refused at Start for a CNN and trained by the MLP; a wasm trap replaces the worker and the next run works', 240_000, async (t) => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'distillation-lab-hostile-'));
  try {
    await hostileUploads(t.page, t.server.url);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

async function hostileUploads(page: Page, url: string): Promise<void> {
  await openLab(page, `${url}?backend=wasm`);
  const { zip, gz } = await bombs();
  // The baseline after two small refusals, a CSV and a zip: the reading code has run once.
  assert.match(await uploadRefused(page, 'broken.csv', Buffer.from('1,2,3,4,5,6\n0,1,2,3,4,5\n')), /^broken\.csv: 5 pixel columns are no square image/);
  assert.match(await uploadRefused(page, 'loose.zip', await zipBytes([{ path: 'one.png', bytes: simplePng(4, 4, 1, () => 1) }])), /^loose: not a dataset format the lab knows/);
  await sleep(1000);
  const before = await rendererMemory();
  await resetPeaks();

  assert.equal(await uploadRefused(page, 'bomb_many.zip', zip), 'bomb_many.zip: decompresses to 4,001 MB, more than the 1,024 MB the lab reads from one file or archive');
  assert.match(await uploadRefused(page, 'bomb.csv.gz', gz), /^bomb\.csv\.gz: expands more than 50 times its compressed size \(past 8 MB\)/);
  const during = await rendererMemory();
  await sleep(5000);
  const after = await rendererMemory();
  console.log(`    renderer memory: ${before.rssMb.toFixed(0)} MB before, peak ${during.peakMb.toFixed(0)} MB while refusing, ${after.rssMb.toFixed(0)} MB 5 s after`);
  assert.ok(during.peakMb - before.rssMb < PEAK_GROWTH_BOUND_MB, `refusing the bombs took the renderer from ${before.rssMb.toFixed(0)} MB to a peak of ${during.peakMb.toFixed(0)} MB`);
  assert.ok(after.rssMb <= before.rssMb * 1.1, `5 s after the refusals the renderer holds ${after.rssMb.toFixed(0)} MB (before: ${before.rssMb.toFixed(0)} MB)`);

  // An IDX header that declares 0×8 images is refused by the reader, naming the file.
  const idxHeader = (dims: number[]) => Buffer.concat([Buffer.from([0, 0, 8, dims.length]), ...dims.map((d) => Buffer.from([d >>> 24, (d >>> 16) & 255, (d >>> 8) & 255, d & 255]))]);
  await page.getByTestId('dataset-file-input').setInputFiles([
    { name: 'zero-images-idx3-ubyte', mimeType: 'application/octet-stream', buffer: idxHeader([300, 0, 8]) },
    { name: 'zero-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: Buffer.concat([idxHeader([300]), Buffer.alloc(300, 1)]) },
  ]);
  const zeroMessage = 'zero-images-idx3-ubyte: the IDX header declares images of 0×8×1 pixels: a zero dimension holds no image (header dims [300, 0, 8])';
  await waitUntil(() => text(page, 'dataset-upload-status'), (message) => message === zeroMessage, 30_000, 'the refusal of 0×8 images');

  // 1×1 images: read, then refused at Start for the default CNN with the minimum named; the MLP trains on them.
  const dots = Array.from({ length: 120 }, (_, i) => `${i % 3},${(i % 3) * 100 + (i % 7)}`).join('\n');
  await page.getByTestId('dataset-file-input').setInputFiles([{ name: 'dots.csv', mimeType: 'text/csv', buffer: Buffer.from(dots) }]);
  await waitUntil(() => page.getByTestId('dataset-select').inputValue(), (value) => value === 'upload:dots', 30_000, 'the 1×1 dataset selected');
  await selectOption(page, 'student-select', 'tiny-cnn');
  await selectOption(page, 'method-select', 'none');
  await waitUntil(() => page.getByTestId('start-button').isDisabled(), Boolean, 10_000, 'Start disabled');
  assert.equal(await problemBesideControl(page, 'student-select'), 'dots: the images are 1×1 pixels; Tiny CNN halves them once with max-pooling and needs at least 2×2. Pick the MLP, or give larger images.');
  await selectOption(page, 'student-select', 'mlp');
  await waitUntil(() => page.getByTestId('start-button').isEnabled(), Boolean, 10_000, 'Start enabled for the MLP');
  await page.getByTestId('start-button').click();
  await waitForStatus(page, 'done', 60_000);

  // A trap inside the wasm engine: the worker is replaced and says so; the next run trains in the fresh one.
  await page.evaluate(() => window.__distillLab?.engineFault());
  await waitUntil(() => shownText(page, 'error-message'), (message) => /replaced by a fresh one/.test(message), 30_000, 'the replacement announced');
  assert.match(await text(page, 'error-message'), /^The wasm engine failed inside \(memory access out of bounds/);
  await page.getByTestId('backend-badge').waitFor({ timeout: 60_000 });
  await selectOption(page, 'dataset-select', 'digits');
  await page.getByTestId('dataset-card').waitFor({ timeout: 60_000 });
  await waitUntil(() => page.getByTestId('start-button').isEnabled(), Boolean, 30_000, 'Start enabled in the fresh worker');
  await page.getByTestId('start-button').click();
  await waitForStatus(page, 'done', 120_000);
  const memory = await page.evaluate(() => window.__distillLab?.workerMemory());
  assert.ok(memory && memory.backend === 'wasm', `the fresh worker trains on wasm (${memory?.backend})`);
}
