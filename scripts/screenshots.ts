// `npm run screenshots`: the four pages as a person sees them, on a projector (1440×900) and on a
// phone (390×844), in the light and the dark theme: docs/screenshots/<page>-<desktop|phone>[-dark].png;
// and the Lab's "What is matched" panel after short AT, RKD and AFD runs: docs/screenshots/matched-<method>.png.
// Builds the lab, opens it in headless Chromium, trains a short KD run on Digits (wasm: seconds)
// so the Lab shows its curves and its inspector, then visits every page without reloading.
//
//   npm run screenshots -- [--out docs/screenshots] [--full] [--epochs 3]
//   --full: whole pages (scrolled), for reviewing a layout; the docs keep the first screen.
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { launchChromium, PROJECT_ROOT, startPreviewServer } from '../test/e2e/chromium';

const { values: flags } = parseArgs({
  options: {
    out: { type: 'string', default: 'docs/screenshots' },
    full: { type: 'boolean', default: false },
    epochs: { type: 'string', default: '3' },
  },
});

export const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

export const THEMES = ['light', 'dark'] as const;

/** Each page, its tab and what shows that it has loaded. */
export const PAGES = [
  { name: 'lab', tab: 'tab-lab', ready: 'dataset-card' },
  { name: 'softlabels', tab: 'tab-explore', ready: 'teacher-entropy' },
  { name: 'compare', tab: 'tab-compare', ready: 'compare-page' },
  { name: 'classroom', tab: 'tab-classroom', ready: 'classroom-step-soft-labels' },
] as const;

async function shoot(page: Page, file: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  // Let layout settle after a viewport or theme change (charts measure their box).
  await page.waitForTimeout(400);
  await page.screenshot({ path: file, fullPage: flags.full, animations: 'disabled', caret: 'hide' });
  const { size } = await stat(file);
  console.log(`wrote ${path.relative(PROJECT_ROOT, file)} (${(size / 1024).toFixed(0)} kB)`);
}

/** Short runs whose "What is matched" panel goes in the docs: docs/screenshots/matched-<method>.png, after the run, at its end. */
const MATCHED_RUNS = [
  { method: 'at', query: { epochs: '10' } },
  { method: 'rkd', query: { epochs: '2', train_limit: '320', batch: '32' } },
  { method: 'afd', query: { epochs: '10' } },
] as const;

async function shootMatched(page: Page, url: string, outDir: string): Promise<void> {
  await page.setViewportSize(VIEWPORTS[0]);
  await page.emulateMedia({ colorScheme: 'light' });
  for (const run of MATCHED_RUNS) {
    const query = new URLSearchParams({ dataset: 'digits', method: run.method, backend: 'wasm', ...run.query });
    await page.goto(`${url}?${query}`);
    await page.getByTestId('dataset-card').waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => !(document.querySelector('[data-testid="start-button"]') as HTMLButtonElement | null)?.disabled, undefined, { timeout: 60_000 });
    await page.getByTestId('start-button').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.trim() === 'done', undefined, { timeout: 300_000, polling: 500 });
    // The end's drawing, then the start's (both on one scale).
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="matched-view"]')?.getAttribute('data-refreshes')) >= 2, undefined, { timeout: 60_000 });
    const panel = page.locator('.matched-panel');
    await panel.scrollIntoViewIfNeeded();
    await page.waitForTimeout(400);
    const file = path.join(outDir, `matched-${run.method}.png`);
    await panel.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
    console.log(`wrote ${path.relative(PROJECT_ROOT, file)}`);
  }
}

async function main(): Promise<void> {
  const outDir = path.resolve(PROJECT_ROOT, flags.out);
  await mkdir(outDir, { recursive: true });
  const server = await startPreviewServer();
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize(VIEWPORTS[0]);
    const query = new URLSearchParams({ dataset: 'digits', method: 'kd', temperature: '4', kd_ratio: '0.9', epochs: flags.epochs, backend: 'wasm' });
    await page.goto(`${server.url}?${query}`);
    await page.getByTestId('dataset-card').waitFor({ timeout: 120_000 });
    const start = page.getByTestId('start-button');
    await page.waitForFunction(() => !(document.querySelector('[data-testid="start-button"]') as HTMLButtonElement | null)?.disabled, undefined, { timeout: 60_000 });
    await start.click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.trim() === 'done', undefined, { timeout: 300_000, polling: 500 });
    // The inspector's examples arrive after the run.
    await page.locator('.confused-pairs img').first().waitFor({ timeout: 30_000 }).catch(() => {});
    for (const view of PAGES) {
      await page.getByTestId(view.tab).click();
      await page.getByTestId(view.ready).first().waitFor({ timeout: 120_000 });
      if (view.name === 'compare') {
        // The Lab's run in the comparison: its curves and its row in the table.
        await page.getByTestId('saved-run-show').first().check({ timeout: 10_000 });
        await page.getByTestId('compare-row').first().waitFor({ timeout: 10_000 });
      }
      for (const viewport of VIEWPORTS) {
        await page.setViewportSize(viewport);
        for (const theme of THEMES) {
          await page.emulateMedia({ colorScheme: theme });
          await shoot(page, path.join(outDir, `${view.name}-${viewport.name}${theme === 'dark' ? '-dark' : ''}.png`));
        }
      }
    }
    await shootMatched(page, server.url, outDir);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
