// `npm run demos:time`: what a person waits for, in headless Chromium on the backend the lab picks
// itself (no forcing): first load to a usable Start, and a second visit's; Start to the first loss point and to the end
// (Digits default, the never-seen and Hinton presets' short versions), each run a second time to
// set the estimate beside Start against the time taken; the few-label race (short and full) from
// its preset's button to its closing sentence, against the time the preset said; the CIFAR-10
// tutorial race's short version the same way. Writes bench-results/demos-time.json
// (`-- --cifar10-only`: only the CIFAR-10 race, into bench-results/demos-time-cifar10.json).
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

/** The estimate beside Start, in seconds (null while it says "unknown"). */
async function estimateNow(page: Page): Promise<number | null> {
  const value = await page.getByTestId('run-estimate').getAttribute('data-seconds');
  return value ? Number(Number(value).toFixed(1)) : null;
}

/** A run twice: the first measures its set-up's speed, the second compares the estimate it then shows with the time it takes. */
async function estimatedAgainstTaken(page: Page): Promise<{ firstPoint: number; done: number | null; estimate: number | null; ratio: number | null }> {
  await startToFirstPoint(page, false);
  const estimate = await estimateNow(page);
  const run = await startToFirstPoint(page, false);
  return { ...run, estimate, ratio: estimate !== null && run.done ? Number((estimate / run.done).toFixed(2)) : null };
}

/** A preset's race from its button to its closing sentence, against the time the preset said. */
async function timeRace(page: Page, preset: string, version: 'short' | 'full'): Promise<{ toSentence: number; estimate: number | null; ratio: number | null; sentence: string }> {
  await page.getByTestId('tab-lab').click();
  await page.getByTestId(`preset-${preset}`).click();
  if (version === 'short') await page.getByTestId('preset-short').click();
  const said = ((await page.getByTestId('preset-race').textContent()) ?? '').replace(/\s+/g, ' ');
  const estimate = /about (?:(\d+) min )?(\d+) s here/.exec(said);
  const started = performance.now();
  await page.getByTestId('preset-start-race').click();
  await page.getByTestId('race-sentence').waitFor({ timeout: 1_800_000 });
  const taken = seconds(started);
  const estimated = estimate ? Number(estimate[1] ?? 0) * 60 + Number(estimate[2]) : null;
  const sentence = ((await page.getByTestId('race-sentence').textContent()) ?? '').trim();
  console.log(`${preset} race, ${version}: ${taken} s to its closing sentence (estimated ${estimated ?? 'unknown'} s): ${sentence}`);
  return { toSentence: taken, estimate: estimated, ratio: estimated ? Number((estimated / taken).toFixed(2)) : null, sentence };
}

async function main(): Promise<void> {
  const server = await startPreviewServer();
  const browser = await launchChromium();
  const report: Record<string, unknown> = { measuredAt: new Date().toISOString() };
  try {
    const page = await browser.context.newPage();
    await installRecorders(page);
    // #auto-backend: the lab chooses its backend as it does for a user (the tests force webgpu).
    const loading = performance.now();
    await page.goto(`${server.url}#auto-backend`);
    // A usable Start: enabled, after the backend has been measured and the dataset read.
    await page.waitForFunction(() => !(document.querySelector('[data-testid="start-button"]') as HTMLButtonElement | null)?.disabled, undefined, { timeout: 120_000, polling: 50 });
    report.loadToUsableStart = seconds(loading);
    report.backend = ((await page.getByTestId('backend-badge').textContent()) ?? '').trim();
    report.backendWhy = ((await page.getByTestId('backend-why').textContent().catch(() => '')) ?? '').trim();
    console.log(`first load to a usable Start: ${report.loadToUsableStart} s; backend ${report.backend}: ${report.backendWhy}`);

    // A second visit in this browser: the backend race's verdict is kept, no race.
    const reloading = performance.now();
    await page.goto(`${server.url}#auto-backend`);
    await page.waitForFunction(() => !(document.querySelector('[data-testid="start-button"]') as HTMLButtonElement | null)?.disabled, undefined, { timeout: 120_000, polling: 50 });
    report.secondVisitToUsableStart = seconds(reloading);
    console.log(`a second visit to a usable Start: ${report.secondVisitToUsableStart} s (${((await page.getByTestId('backend-why').textContent().catch(() => '')) ?? '').trim()})`);

    if (process.argv.includes('--cifar10-only')) {
      report.cifar10RaceShort = await timeRace(page, 'tf-tutorial-cifar10', 'short');
      return;
    }
    report.digitsDefault = await estimatedAgainstTaken(page);
    report.digitsDefaultTestAccuracy = ((await page.getByTestId('test-accuracy').textContent()) ?? '').trim();
    console.log('Digits default KD run (second run: estimate vs taken):', report.digitsDefault, report.digitsDefaultTestAccuracy);

    await page.getByTestId('preset-never-seen').click();
    await page.getByTestId('preset-short').click();
    report.neverSeenShort = await estimatedAgainstTaken(page);
    report.neverSeenSentence = ((await page.getByTestId('demo-sentence').textContent()) ?? '').trim();
    console.log('never-seen preset, short (second run):', report.neverSeenShort, report.neverSeenSentence);

    await page.getByTestId('preset-hinton-2015').click();
    await page.getByTestId('preset-short').click();
    await page.waitForFunction(() => /MNIST/.test(document.querySelector('[data-testid="dataset-card"]')?.getAttribute('aria-label') ?? ''), undefined, { timeout: 300_000 });
    report.hintonShort = await estimatedAgainstTaken(page);
    console.log('Hinton 2015 short (second run):', report.hintonShort);

    for (const version of ['short', 'full'] as const) report[`race_${version}`] = await timeRace(page, 'soft-vs-hard', version);
    report.cifar10RaceShort = await timeRace(page, 'tf-tutorial-cifar10', 'short');
  } finally {
    const file = process.argv.includes('--cifar10-only') ? 'bench-results/demos-time-cifar10.json' : 'bench-results/demos-time.json';
    await writeFile(file, JSON.stringify(report, null, 2));
    console.log(`wrote ${file}`);
    await browser.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
