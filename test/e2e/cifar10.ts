// CIFAR-10 in the page: listed beside MNIST, read in the worker from what npm install wrote, its
// card with colour samples and its teacher; on a server without it the list says so and names
// the command, and picking it says the same instead of failing on bytes.
import assert from 'node:assert/strict';
import { test } from './harness';
import { openLab, selectOption, shownText, text, waitUntil } from './lab';

test('CIFAR-10: listed with its size, read from the install (45,000 / 5,000 / 10,000, colour samples), its shipped teacher picked; without the install the list and the error name npm run data:cifar10', 120_000, async (t) => {
  const { page } = t;
  await openLab(page, `${t.server.url}?backend=wasm`);
  const option = page.getByTestId('dataset-select').locator('option[value="cifar10"]');
  assert.equal((await option.textContent())?.trim(), 'CIFAR-10 (60,000 images)');
  await selectOption(page, 'dataset-select', 'cifar10');
  await waitUntil(() => shownText(page, 'dataset-card'), (card) => /Train45,000/.test(card), 60_000, 'the CIFAR-10 card');
  const card = await text(page, 'dataset-card');
  assert.match(card, /5,000/);
  assert.match(card, /10,000/);
  assert.match(card, /Krizhevsky 2009/);
  // The samples are drawn in colour: over the twenty, many pixels have channels that differ.
  const colourful = await page.locator('[data-testid="dataset-card"] img').evaluateAll(async (images: HTMLImageElement[]) => {
    let coloured = 0;
    for (const image of images) {
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext('2d')!;
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i] - data[i + 1]) > 20 || Math.abs(data[i + 1] - data[i + 2]) > 20) coloured++;
    }
    return coloured;
  });
  assert.ok(colourful > 50, `the samples have ${colourful} coloured pixels`);

  // A server where npm install could not write it: the manifest is absent.
  const missing = await page.context().newPage();
  await missing.route('**/datasets/cifar10/**', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await openLab(missing, `${t.server.url}?backend=wasm`);
  const missingOption = missing.getByTestId('dataset-select').locator('option[value="cifar10"]');
  await waitUntil(async () => (await missingOption.textContent()) ?? '', (label) => /not installed/.test(label), 10_000, 'the not-installed label');
  assert.equal((await missingOption.textContent())?.trim(), 'CIFAR-10 (not installed: npm run data:cifar10)');
  await selectOption(missing, 'dataset-select', 'cifar10');
  await waitUntil(() => shownText(missing, 'dataset-error'), (message) => /npm run data:cifar10/.test(message), 30_000, 'the load error naming the command');
  await missing.close();
  await waitUntil(() => page.getByTestId('teacher-select').inputValue(), (value) => value === 'cifar10-teacher-cnn', 10_000, 'the CIFAR-10 teacher');
});
