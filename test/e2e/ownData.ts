// Your own data in Chromium: IDX files picked in the Data panel are read in the worker, listed
// with the shipped datasets and trained on; a bad file is refused with its reason and nothing
// loaded before is lost.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { test } from './harness';
import { openLab, selectOption, setNumber, testAccuracy, text, waitForStatus, waitUntil } from './lab';

function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.set([0, 0, 0x08, dims.length]);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** 300 images of 8×8 in 3 classes: class k lights the k-th band of rows, with noise. */
function bands(): { images: Buffer; labels: Buffer } {
  const count = 300;
  const pixels = new Uint8Array(count * 64);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 3);
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) % 60);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < 64; p++) pixels[i * 64 + p] = noise();
    for (let p = 0; p < 16; p++) pixels[i * 64 + 8 + labels[i] * 16 + p] = 180 + noise();
  }
  return { images: gzipSync(idx([count, 8, 8], pixels)), labels: idx([count], labels) };
}

test('own data: IDX files picked in the Data panel become a dataset; the Lab trains its teacher and distils from it to the end; a bad file is refused with its reason; a reload reopens it, and it can be deleted', 180_000, async (t) => {
  const { page } = t;
  // #auto-backend: the lab measures and picks (wasm over SwiftShader here), as it does for a user; the WebGPU path is the other tests'.
  await openLab(page, `${t.server.url}#auto-backend`);
  const input = page.getByTestId('dataset-file-input');
  // A label file whose count disagrees with the images: refused, nothing changes.
  await input.setInputFiles([
    { name: 'broken-images-idx3-ubyte', mimeType: 'application/octet-stream', buffer: idx([4, 8, 8], new Uint8Array(256)) },
    { name: 'broken-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: idx([5], new Uint8Array(5)) },
  ]);
  await waitUntil(() => page.getByTestId('dataset-upload-status').getAttribute('data-state'), (state) => state === 'refused', 30_000, 'the refusal');
  assert.match(await text(page, 'dataset-upload-status'), /4 samples but labels hold 5/);
  assert.equal(await page.getByTestId('dataset-select').inputValue(), 'digits');

  const { images, labels } = bands();
  await input.setInputFiles([
    { name: 'bands-train-images-idx3-ubyte.gz', mimeType: 'application/gzip', buffer: images },
    { name: 'bands-train-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: labels },
  ]);
  await waitUntil(() => page.getByTestId('dataset-select').inputValue(), (value) => value === 'upload:bands', 30_000, 'the uploaded dataset selected');
  assert.match(await text(page, 'dataset-upload-status'), /bands: 216 train, 24 val, 60 test images/);
  assert.match(await text(page, 'dataset-card'), /3 classes/);
  // No shipped teacher knows these images: the Lab trains one (teacher-cnn from the labels), then distils from it.
  await selectOption(page, 'student-select', 'mlp');
  await page.getByTestId('train-teacher-button').click();
  assert.equal(await page.getByTestId('student-select').inputValue(), 'teacher-cnn');
  assert.equal(await page.getByTestId('method-select').inputValue(), 'none');
  await waitForStatus(page, 'done', 150_000);
  const teacherAccuracy = await testAccuracy(page);
  assert.ok(teacherAccuracy > 0.9, `the trained teacher's test accuracy ${teacherAccuracy} on three bands of light`);
  await page.getByTestId('lab-use-trained-teacher').click();
  await waitUntil(() => page.getByTestId('teacher-select').inputValue(), (value) => value === 'custom', 30_000, 'the trained teacher picked');
  // The set-up from before is back (its student), distilling with KD from the new teacher.
  assert.equal(await page.getByTestId('student-select').inputValue(), 'mlp');
  assert.equal(await page.getByTestId('method-select').inputValue(), 'kd');
  const teacherHelp = await page.locator('.field', { has: page.getByTestId('teacher-select') }).locator('.field-help').textContent();
  assert.match(teacherHelp ?? '', /Trained here: val .* · 15 epochs/);
  await setNumber(page, 'epochs-input', 8);
  const start = page.getByTestId('start-button');
  await waitUntil(() => start.isEnabled(), Boolean, 10_000, 'start-button enabled');
  await start.click();
  await waitForStatus(page, 'done', 150_000);
  const accuracy = await testAccuracy(page);
  assert.ok(accuracy > 0.9, `the distilled mlp's test accuracy ${accuracy}`);

  // Kept in this browser: a reload of the URL (which names it) reads its files again; deleted, it is gone.
  await page.waitForFunction(() => new URLSearchParams(location.search).get('dataset') === 'upload:bands', undefined, { timeout: 10_000 });
  await page.reload();
  await page.getByTestId('dataset-card').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('dataset-select').inputValue(), 'upload:bands');
  assert.match(await text(page, 'dataset-card'), /3 classes/);
  await page.getByTestId('dataset-delete').click();
  await waitUntil(() => page.getByTestId('dataset-select').inputValue(), (value) => value === 'digits', 30_000, 'back on Digits');
  const options = await page.getByTestId('dataset-select').locator('option').evaluateAll((list) => list.map((o) => (o as HTMLOptionElement).value));
  assert.ok(!options.includes('upload:bands'), `the deleted dataset is still offered: ${options.join(', ')}`);
});
