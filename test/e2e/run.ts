// Browser tests: `node --import tsx test/e2e/run.ts [--dev] [--filter TEXT] [--slow [--runs N]]`.
// --slow runs only the slow tier, never by default: both classroom demos to their closing sentences
// (test/e2e/demosToTheEnd.ts) and the soak (test/e2e/soak.ts: N runs back to back in one page).
// Builds the lab and serves the build (what users get; `--dev` uses the Vite dev server instead),
// drives Debian's Chromium headless on the WebGPU path, prints one line per test and ends with
// "N passed, N failed"; exits non-zero on any failure.
import { parseArgs } from 'node:util';
import { launchChromium, startDevServer, startPreviewServer, type AppServer, type Browser } from './chromium';
import { runTests } from './harness';

const { values: flags } = parseArgs({
  options: {
    dev: { type: 'boolean', default: false },
    filter: { type: 'string' },
    slow: { type: 'boolean', default: false },
    runs: { type: 'string' },
  },
});

/** Registers the tests of the chosen tier. */
async function registerTests(): Promise<void> {
  if (flags.slow) {
    if (flags.runs) process.env.SOAK_RUNS = flags.runs;
    await import('./demosToTheEnd');
    await import('./soak');
    return;
  }
  await import('./scenarios');
  await import('./methods');
  await import('./explore');
  await import('./compare');
  await import('./compareSeeds');
  await import('./failures');
  await import('./malformedUploads');
  await import('./hostileUploads');
  await import('./lifecycle');
  await import('./backendChoice');
  await import('./threads');
  await import('./liveKnobs');
  await import('./demos');
  await import('./export');
  await import('./ownData');
  await import('./cifar10');
  await import('./matched');
  await import('./presentation');
  await import('./pictures');
}

async function main(): Promise<number> {
  const started = performance.now();
  let server: AppServer | null = null;
  let browser: Browser | null = null;
  try {
    await registerTests();
    server = flags.dev ? await startDevServer() : await startPreviewServer();
    console.log(`serving the lab at ${server.url} (${flags.dev ? 'vite dev server' : 'production build'}, ready after ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    browser = await launchChromium();
    const summary = await runTests(browser.context, server, flags.filter);
    console.log(`browser tests took ${((performance.now() - started) / 1000).toFixed(0)} s`);
    console.log(`${summary.passed} passed, ${summary.failed} failed`);
    return summary.failed > 0 || summary.passed === 0 ? 1 : 0;
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    console.log('0 passed, 1 failed');
    return 1;
  } finally {
    await browser?.close();
    await server?.close();
  }
}

main().then((code) => process.exit(code));
