// `npm run demos:time`: what a person waits for, in headless Chromium on the backend the lab picks
// itself (no forcing): seconds from Start to the first loss point (Digits default, the Hinton 2015
// preset's short version), the few-label race to its last run, the never-seen-class run to done.
// Writes bench-results/demos-time.json.
import { writeFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { launchChromium, startPreviewServer } from '../test/e2e/chromium';
import { installRecorders } from '../test/e2e/lab';

const seconds = (from: number) => Number(((performance.now() - from) / 1000).toFixed(1));

async function waitForStatus(page: Page, wanted: string[], timeoutMs: number): Promise<string> {
  await page.waitForFunction((list) => list.includes(document.querySelector('[data-testid="run-status"]')?.textContent?.trim() ?? ''), wanted, { timeout: timeoutMs, polling: 100 });
  return ((await page.getByTestId('run-status').textContent()) ?? '').trim();
}

/**
 * Start the Lab's run; seconds to its first drawn loss point (the first change of the loss chart
 * after the click, from the page's own recorder), and (unless `stopAfterFirst`) to its end.
 */
async function startToFirstPoint(page: Page, stopAfterFirst: boolean): Promise<{ firstPoint: number; done: number | null }> {
  // A mouse click at the button, as a person's: queued behind whatever holds the page's main
  // thread, without Playwright's wait for the element to be stable (which is not the user's wait).
  const box = await page.getByTestId('start-button').boundingBox();
  if (!box) throw new Error('the Start button is not on the screen');
  const clickedAt = await page.evaluate(() => performance.now());
  const clicked = performance.now();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const firstPointAt = await page.waitForFunction(
    (since) => {
      // Any change of the chart after the click is the new run's (a reset to 0 is skipped).
      const first = (window.__e2e?.charts ?? []).find((c) => c.chart === 'loss-chart' && c.at >= since && c.points > 0);
      return first ? first.at : false;
    },
    clickedAt,
    { timeout: 600_000, polling: 50 },
  );
  const firstPoint = Number((((await firstPointAt.jsonValue()) as number) - clickedAt) / 1000).toFixed(1);
  if (stopAfterFirst) {
    await page.getByTestId('stop-button').click();
    await waitForStatus(page, ['stopped', 'done', 'error'], 120_000);
    return { firstPoint: Number(firstPoint), done: null };
  }
  await waitForStatus(page, ['done', 'error', 'stopped'], 900_000);
  return { firstPoint: Number(firstPoint), done: seconds(clicked) };
}

async function main(): Promise<void> {
  const server = await startPreviewServer();
  const browser = await launchChromium();
  const report: Record<string, unknown> = { measuredAt: new Date().toISOString() };
  try {
    const page = await browser.context.newPage();
    await installRecorders(page);
    // #auto-backend: the lab chooses its backend as it does for a user (the tests force webgpu).
    await page.goto(`${server.url}#auto-backend`);
    await page.getByTestId('dataset-card').waitFor({ timeout: 120_000 });
    await page.getByTestId('backend-badge').waitFor({ timeout: 120_000 });
    await page.waitForTimeout(3000);
    report.backend = ((await page.getByTestId('backend-badge').textContent()) ?? '').trim();
    report.backendWhy = ((await page.getByTestId('backend-why').textContent().catch(() => '')) ?? '').trim();
    console.log(`backend ${report.backend}: ${report.backendWhy}`);

    report.digitsDefault = await startToFirstPoint(page, false);
    report.digitsDefaultTestAccuracy = ((await page.getByTestId('test-accuracy').textContent()) ?? '').trim();
    console.log('Digits default KD run:', report.digitsDefault, report.digitsDefaultTestAccuracy);

    await page.getByTestId('preset-never-seen').click();
    report.neverSeen = await startToFirstPoint(page, false);
    report.neverSeenAccuracy = await page.getByTestId('omitted-accuracy').getAttribute('data-value');
    report.neverSeenAccuracyCorrected = await page.getByTestId('omitted-accuracy-corrected').getAttribute('data-value');
    console.log('never-seen preset:', report.neverSeen, report.neverSeenAccuracy, report.neverSeenAccuracyCorrected);

    await page.getByTestId('preset-hinton-2015').click();
    await page.getByTestId('preset-short').click();
    await page.getByTestId('dataset-card').waitFor({ timeout: 300_000 });
    await page.waitForFunction(() => /MNIST/.test(document.querySelector('[data-testid="dataset-card"]')?.getAttribute('aria-label') ?? ''), undefined, { timeout: 300_000 });
    report.hintonShortFirstPoint = (await startToFirstPoint(page, true)).firstPoint;
    console.log('Hinton 2015 short: Start -> first loss point', report.hintonShortFirstPoint, 's');

    await page.getByTestId('preset-soft-vs-hard').click();
    await page.getByTestId('tab-compare').click();
    const started = performance.now();
    await page.getByTestId('compare-start').click();
    await page.waitForSelector('[data-testid="compare-progress"][data-status="running"]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid="compare-progress"][data-status="idle"]', { timeout: 1_800_000 });
    report.fewLabelRace = seconds(started);
    report.fewLabelRows = (await page.locator('[data-testid="compare-table"] tbody tr').allTextContents()).map((row) => row.replace(/\s+/g, ' ').trim());
    console.log('few-label race (mix and soft runs and the scratch student over 3 seeds, and the teacher):', report.fewLabelRace, 's');
    for (const row of report.fewLabelRows as string[]) console.log('  ', row.slice(0, 160));
  } finally {
    await writeFile('bench-results/demos-time.json', JSON.stringify(report, null, 2));
    console.log('wrote bench-results/demos-time.json');
    await browser.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
