// `node --import tsx scripts/time-own-data.ts FILE [--backend wasm|webgpu] [--train EPOCHS]`: what a
// person waits for with their own data, in headless Chromium on the production build: seconds from
// picking FILE in the Data panel to the dataset being ready (read, split and kept in the worker),
// and with --train, from Start (tiny-cnn from the labels, EPOCHS epochs) to the first loss point
// and to the end, with the run's test accuracy. With --teacher ID [--steps N]: "Train a teacher"
// with that architecture for N steps (default 200) instead. Prints one JSON line.
import { launchChromium, startPreviewServer } from '../test/e2e/chromium';
import { openLab, selectOption, setNumber, testAccuracy, waitForStatus } from '../test/e2e/lab';

const args = process.argv.slice(2);
const file = args.find((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'));
const flag = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
if (!file) throw new Error('usage: time-own-data.ts FILE [--backend wasm|webgpu] [--train EPOCHS | --teacher ID [--steps N]]');
const backend = flag('--backend');
const epochs = flag('--train');

const seconds = (from: number) => Number(((performance.now() - from) / 1000).toFixed(1));

const server = await startPreviewServer();
const browser = await launchChromium();
try {
  const page = await browser.context.newPage();
  await openLab(page, backend ? `${server.url}?backend=${backend}` : server.url);
  const shownBackend = ((await page.getByTestId('backend-badge').textContent()) ?? '').trim();
  const picked = performance.now();
  await page.getByTestId('dataset-file-input').setInputFiles(file);
  const messages: { at: number; message: string }[] = [];
  let state = '';
  while (state !== 'accepted' && state !== 'refused') {
    await new Promise((resolve) => setTimeout(resolve, 100));
    state = (await page.getByTestId('dataset-upload-status').getAttribute('data-state').catch(() => null)) ?? '';
    // Read without waiting (a locator would wait for the bar, which is gone once the reading ends).
    const progress = await page.evaluate(() => document.querySelector('[data-testid="dataset-upload-progress"] + span')?.textContent?.trim() ?? null);
    if (progress && messages.at(-1)?.message !== progress) messages.push({ at: seconds(picked), message: progress });
  }
  const ready = seconds(picked);
  const status = ((await page.getByTestId('dataset-upload-status').textContent()) ?? '').trim();
  const result: Record<string, unknown> = { file, backend: shownBackend, state, readySeconds: ready, status, progress: messages.length > 10 ? [...messages.slice(0, 3), ...messages.slice(-7)] : messages };
  const teacher = flag('--teacher');
  if ((epochs || teacher) && state === 'accepted') {
    let started: number;
    if (teacher) {
      // "Train a teacher on <name>" with that architecture, for --steps steps (the flow's own epochs are at least 15).
      await setNumber(page, 'steps-input', flag('--steps') ?? '200');
      await selectOption(page, 'train-teacher-architecture', teacher);
      started = performance.now();
      await page.getByTestId('train-teacher-button').click();
    } else {
      await selectOption(page, 'method-select', 'none');
      await selectOption(page, 'student-select', 'tiny-cnn');
      await setNumber(page, 'epochs-input', epochs!);
      started = performance.now();
      await page.getByTestId('start-button').click();
    }
    await page.waitForFunction(() => (document.querySelector('[data-testid="run-status"]')?.textContent ?? '').trim() === 'training', undefined, { timeout: 600_000, polling: 100 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="loss-chart"]')?.getAttribute('data-points') ?? 0) > 0, undefined, { timeout: 600_000, polling: 100 });
    result.firstPointSeconds = seconds(started);
    await waitForStatus(page, 'done', 3_600_000);
    result.doneSeconds = seconds(started);
    result.testAccuracy = await testAccuracy(page);
  }
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
  await server.close();
}
