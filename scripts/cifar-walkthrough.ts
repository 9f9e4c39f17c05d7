// `node --import tsx scripts/cifar-walkthrough.ts cifar-10-binary.tar.gz [--backend wasm] [--teacher-epochs 15] [--epochs 15]`:
// the README's CIFAR-10 walk-through done in the page, in headless Chromium on the production
// build, as a person would: pick the archive in the Data panel, "Train a teacher" (teacher-cnn,
// augmented), "Use as teacher and distil", train the student with KD, then the same student from
// the labels alone. Prints the minutes and the test accuracy of each step as one JSON line.
import { launchChromium, startPreviewServer } from '../test/e2e/chromium';
import { openLab, selectOption, setNumber, testAccuracy, waitForStatus } from '../test/e2e/lab';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const file = args.find((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!file) throw new Error('usage: cifar-walkthrough.ts FILE [--backend wasm|webgpu] [--teacher-epochs N] [--epochs N]');
const minutes = (from: number) => Number(((performance.now() - from) / 60_000).toFixed(2));

const server = await startPreviewServer();
const browser = await launchChromium();
const result: Record<string, unknown> = { file };
try {
  const page = await browser.context.newPage();
  const backend = flag('--backend');
  await openLab(page, backend ? `${server.url}?backend=${backend}` : server.url);
  result.backend = ((await page.getByTestId('backend-badge').textContent()) ?? '').trim();
  let started = performance.now();
  await page.getByTestId('dataset-file-input').setInputFiles(file);
  await page.waitForFunction(() => document.querySelector('[data-testid="dataset-upload-status"]')?.getAttribute('data-state') === 'accepted', undefined, { timeout: 300_000, polling: 100 });
  result.readyMinutes = minutes(started);

  // The teacher: teacher-cnn from the labels, augmented (shifts and mirrors), its epochs.
  await page.getByTestId('augment-input').check();
  await setNumber(page, 'epochs-input', flag('--teacher-epochs') ?? '15');
  await selectOption(page, 'train-teacher-architecture', 'teacher-cnn');
  started = performance.now();
  await page.getByTestId('train-teacher-button').click();
  await waitForStatus(page, 'done', 4 * 3_600_000);
  result.teacher = { minutes: minutes(started), testAccuracy: await testAccuracy(page) };
  console.error(JSON.stringify(result));

  // Distil: the trained network becomes the teacher, the student (tiny-cnn) learns with KD, unaugmented (cached logits).
  await page.getByTestId('lab-use-trained-teacher').click();
  await page.waitForFunction(() => (document.querySelector('[data-testid="teacher-select"]') as HTMLSelectElement | null)?.value === 'custom', undefined, { timeout: 60_000 });
  await selectOption(page, 'student-select', 'tiny-cnn');
  await selectOption(page, 'method-select', 'kd');
  await page.getByTestId('augment-input').uncheck();
  await setNumber(page, 'epochs-input', flag('--epochs') ?? '15');
  for (const method of ['kd', 'none']) {
    await selectOption(page, 'method-select', method);
    const start = page.getByTestId('start-button');
    await page.waitForFunction(() => !(document.querySelector('[data-testid="start-button"]') as HTMLButtonElement | null)?.disabled, undefined, { timeout: 60_000 });
    started = performance.now();
    await start.click();
    await waitForStatus(page, 'done', 3_600_000);
    result[method === 'kd' ? 'studentKd' : 'studentScratch'] = { minutes: minutes(started), testAccuracy: await testAccuracy(page) };
    console.error(JSON.stringify(result));
  }
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
  await server.close();
}
