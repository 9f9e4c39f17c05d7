// `npm run compare:digits`: the comparison a user makes on the Compare page — kd, dkd and dist on
// Digits against the scratch student and the teacher, same seed — driven in headless Chromium,
// with the table saved exactly as the page exports it (CSV and JSON).
//
//   npm run compare:digits -- [--backend webgpu|webgl|cpu] [--epochs 3] [--out bench-results/compare-digits]
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { launchChromium, PROJECT_ROOT, startPreviewServer } from '../test/e2e/chromium';

const { values: flags } = parseArgs({
  options: {
    backend: { type: 'string', default: 'webgpu' },
    epochs: { type: 'string', default: '3' },
    methods: { type: 'string', default: 'kd, dkd, dist' },
    out: { type: 'string', default: 'bench-results/compare-digits' },
  },
});

async function save(page: Page, testId: string, file: string): Promise<void> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const from = await download.path();
  if (!from) throw new Error(`the ${testId} download has no file`);
  await copyFile(from, file);
  console.log(`wrote ${path.relative(PROJECT_ROOT, file)}`);
}

async function main(): Promise<void> {
  const server = await startPreviewServer();
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    const query = new URLSearchParams({ dataset: 'digits', student: 'tiny-cnn', method: 'kd', epochs: flags.epochs, seed: '1', eval_every: '20', view: 'compare' });
    if (flags.backend !== 'webgpu') query.set('backend', flags.backend);
    await page.goto(`${server.url}?${query}`);
    await page.getByTestId('compare-page').waitFor({ timeout: 120_000 });
    await page.getByTestId('backend-badge').waitFor({ timeout: 120_000 });
    console.log(`backend ${await page.getByTestId('backend-badge').textContent()}`);
    await page.getByTestId('compare-sweep-input').fill(`method ${flags.methods}`);
    await page.getByTestId('compare-add-sweep').click();
    const started = performance.now();
    await page.getByTestId('compare-start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="compare-progress"]')?.getAttribute('data-status') === 'running', undefined, { timeout: 60_000 });
    let last = '';
    while ((await page.getByTestId('compare-progress').getAttribute('data-status')) !== 'idle') {
      const progress = ((await page.getByTestId('compare-progress').textContent()) ?? '').replace(/\s+/g, ' ').slice(0, 100);
      if (progress !== last) console.log(progress);
      last = progress;
      await page.waitForTimeout(5000);
    }
    console.log(`the comparison took ${((performance.now() - started) / 1000).toFixed(0)} s`);
    const out = path.resolve(PROJECT_ROOT, flags.out);
    await mkdir(path.dirname(out), { recursive: true });
    await save(page, 'export-csv', `${out}.csv`);
    await save(page, 'export-json', `${out}.json`);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
