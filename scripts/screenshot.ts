// `npm run screenshot`: the README's picture of a run. Builds the lab, opens it in headless
// Chromium on the WebGPU path, runs KD on Digits (cpu when --backend cpu, faster here) and
// saves the page when the run is done.
//
//   npm run screenshot -- [--backend webgpu|webgl|cpu] [--epochs 6] [--out docs/screenshot.png]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium, PROJECT_ROOT, startPreviewServer } from '../test/e2e/chromium';

const { values: flags } = parseArgs({
  options: {
    backend: { type: 'string', default: 'webgpu' },
    epochs: { type: 'string', default: '6' },
    out: { type: 'string', default: 'docs/screenshot.png' },
  },
});

async function main(): Promise<void> {
  const server = await startPreviewServer();
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1360, height: 1000 });
    const query = new URLSearchParams({
      dataset: 'digits',
      method: 'kd',
      temperature: '4',
      kd_ratio: '0.9',
      epochs: flags.epochs,
      eval_every: '10',
    });
    if (flags.backend !== 'webgpu') query.set('backend', flags.backend);
    await page.goto(`${server.url}?${query}`);
    await page.getByTestId('dataset-card').waitFor({ timeout: 120_000 });
    await page.getByTestId('start-button').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.trim() === 'done', undefined, {
      timeout: 600_000,
      polling: 500,
    });
    await page.waitForTimeout(1000);
    const out = path.resolve(PROJECT_ROOT, flags.out);
    await page.screenshot({ path: out, fullPage: false });
    console.log(`wrote ${path.relative(PROJECT_ROOT, out)}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
