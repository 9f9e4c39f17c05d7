// Your own data in Chromium: IDX files picked in the Data panel are read in the worker, listed
// with the shipped datasets and trained on; a bad file is refused with its reason and nothing
// loaded before is lost.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
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

test('own data: IDX files picked in the Data panel become a dataset; the Lab trains its teacher and distils from it to the end; a bad file is refused with its reason; a reload reopens it with its teacher, and it can be deleted', 180_000, async (t) => {
  const { page } = t;
  // Reading, keeping and training on the user's files are under test, not a backend's kernels: wasm
  // (forced: no backend race); the WebGPU path is the other tests'.
  await openLab(page, `${t.server.url}?backend=wasm`);
  const input = page.getByTestId('dataset-file-input');
  // A label file whose count disagrees with the images: refused, nothing changes.
  await input.setInputFiles([
    { name: 'broken-images-idx3-ubyte', mimeType: 'application/octet-stream', buffer: idx([4, 8, 8], new Uint8Array(256)) },
    { name: 'broken-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: idx([5], new Uint8Array(5)) },
  ]);
  await waitUntil(() => page.getByTestId('dataset-upload-status').getAttribute('data-state'), (state) => state === 'refused', 30_000, 'the refusal');
  assert.match(await text(page, 'dataset-upload-status'), /broken-labels-idx1-ubyte: 5 labels for the 4 images/);
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

  // Kept in this browser: a reload of the URL (which names it) reads its files again and loads its teacher; deleted, it is gone.
  await page.waitForFunction(() => new URLSearchParams(location.search).get('dataset') === 'upload:bands', undefined, { timeout: 10_000 });
  await page.reload();
  await page.getByTestId('dataset-card').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('dataset-select').inputValue(), 'upload:bands');
  assert.match(await text(page, 'dataset-card'), /3 classes/);
  // ... and the teacher trained for it, with its card.
  await waitUntil(() => page.getByTestId('teacher-select').inputValue(), (value) => value === 'custom', 30_000, 'the kept teacher loaded');
  await waitUntil(async () => (await page.locator('.field', { has: page.getByTestId('teacher-select') }).locator('.field-help').textContent()) ?? '', (help) => /Trained here: .* · 15 epochs/.test(help), 30_000, 'the kept teacher card');
  await page.getByTestId('dataset-delete').click();
  await waitUntil(() => page.getByTestId('dataset-select').inputValue(), (value) => value === 'digits', 30_000, 'back on Digits');
  const options = await page.getByTestId('dataset-select').locator('option').evaluateAll((list) => list.map((o) => (o as HTMLOptionElement).value));
  assert.ok(!options.includes('upload:bands'), `the deleted dataset is still offered: ${options.join(', ')}`);
});

test('own data: a CIFAR-10 binary archive picked and a zip of PNG class folders dropped on the Data panel show their classes and colour samples; a colour run trains to the end; a picked folder (at a chosen size) and a CSV are read; a file that is no dataset is named', 120_000, async (t) => {
  const { page } = t;
  const { cifar10Archive, CIFAR10_NAMES, simplePng, zipBytes } = await import('../data/files/corpus');
  await openLab(page, `${t.server.url}?backend=wasm`);
  const input = page.getByTestId('dataset-file-input');
  const status = () => text(page, 'dataset-upload-status');

  await input.setInputFiles([{ name: 'cifar-10-binary.tar.gz', mimeType: 'application/gzip', buffer: Buffer.from(await cifar10Archive(40, 50)) }]);
  await waitUntil(() => page.getByTestId('dataset-select').inputValue(), (value) => value === 'upload:cifar-10-binary', 30_000, 'the CIFAR archive read');
  // 5 × 40 train records, 10 % of them val; the 50 test records as they are.
  assert.match(await status(), /cifar-10-binary: 180 train, 20 val, 50 test images/);
  const card = await text(page, 'dataset-card');
  for (const name of [CIFAR10_NAMES[0], CIFAR10_NAMES[9]]) assert.ok(card.includes(name), `the card does not name ${name}: ${card}`);
  // Samples are drawn in colour: the BMP's red, green and blue differ somewhere.
  const colour = await page.getByTestId('dataset-card').locator('img').first().evaluate(async (img) => {
    const bytes = Uint8Array.from(atob((img as HTMLImageElement).src.split(',')[1]), (c) => c.charCodeAt(0));
    for (let i = 54; i + 2 < bytes.length; i += 3) if (bytes[i] !== bytes[i + 1] || bytes[i + 1] !== bytes[i + 2]) return true;
    return false;
  });
  assert.ok(colour, 'the CIFAR samples are drawn grey');

  const png = (shade: number) => simplePng(6, 6, 3, (x, y, c) => (c === shade ? 200 : 20) + x + y);
  const files = ['red', 'green', 'blue'].flatMap((name, c) => Array.from({ length: 12 }, (_, i) => ({ path: `shapes/${name}/${i}.png`, bytes: png(c) })));
  // The zip is dropped on the Data panel, as a person drags it from their files.
  const zip = Buffer.from(await zipBytes(files, { deflate: true })).toString('base64');
  const dropped = await page.evaluateHandle((base64) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], 'shapes.zip', { type: 'application/zip' }));
    return transfer;
  }, zip);
  await page.getByTestId('dataset-drop').dispatchEvent('drop', { dataTransfer: dropped });
  await waitUntil(() => page.getByTestId('dataset-select').inputValue(), (value) => value === 'upload:shapes', 30_000, 'the dropped zip read');
  const shapes = await text(page, 'dataset-card');
  for (const name of ['red', 'green', 'blue']) assert.ok(shapes.includes(name), `the card does not name class ${name}: ${shapes}`);
  // Colour inputs are normalised per channel with the train split's statistics, and the card says with which.
  assert.match(await text(page, 'dataset-normalization'), /mean R 0\.\d{3} · G 0\.\d{3} · B 0\.\d{3}; std R /);
  // A colour run end to end: a small CNN from the labels (augmented: shifts and mirrors) learns which channel is lit.
  await selectOption(page, 'method-select', 'none');
  await selectOption(page, 'student-select', 'tiny-cnn');
  await setNumber(page, 'batch-size-input', 8);
  await setNumber(page, 'epochs-input', 12);
  await page.getByTestId('augment-input').check();
  await page.getByTestId('start-button').click();
  await waitForStatus(page, 'done', 60_000);
  const colourAccuracy = await testAccuracy(page);
  assert.ok(colourAccuracy >= 0.85, `tiny-cnn's test accuracy ${colourAccuracy} on three colours`);

  // A folder picked with the folder picker (each file keeps its path inside it), at the size chosen beside the pickers.
  const folder = await mkdtemp(path.join(os.tmpdir(), 'lab-folder-'));
  try {
    for (const [c, name] of ['dark', 'mid', 'light'].entries()) {
      await mkdir(path.join(folder, 'tones', name), { recursive: true });
      for (let i = 0; i < 6; i++) await writeFile(path.join(folder, 'tones', name, `${i}.png`), simplePng(10, 10, 1, (x) => 30 + 80 * c + x + i));
    }
    await selectOption(page, 'dataset-image-size', '16');
    await page.getByTestId('dataset-folder-input').setInputFiles(path.join(folder, 'tones'));
    await waitUntil(() => page.getByTestId('dataset-select').inputValue(), (value) => value === 'upload:tones', 30_000, 'the picked folder read');
    assert.match(await text(page, 'dataset-card'), /image folder, 16×16×1, 3 classes/);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  // A CSV in the Kaggle MNIST layout: a header, the label first, 4×4 grey pixels.
  const rows = ['label,' + Array.from({ length: 16 }, (_, i) => `pixel${i}`).join(','), ...Array.from({ length: 30 }, (_, i) => [i % 3, ...Array.from({ length: 16 }, (_, p) => (i * 7 + p * 13) % 256)].join(','))];
  await input.setInputFiles([{ name: 'pixels.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) }]);
  await waitUntil(() => page.getByTestId('dataset-select').inputValue(), (value) => value === 'upload:pixels', 30_000, 'the CSV read');
  assert.match(await text(page, 'dataset-card'), /CSV, 4×4×1, 3 classes/);

  await input.setInputFiles([{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a dataset') }]);
  await waitUntil(() => page.getByTestId('dataset-upload-status').getAttribute('data-state'), (state) => state === 'refused', 30_000, 'the refusal');
  assert.match(await status(), /notes/);
  // Nothing loaded before is lost: the CSV's dataset is still the Lab's.
  assert.equal(await page.getByTestId('dataset-select').inputValue(), 'upload:pixels');
});
