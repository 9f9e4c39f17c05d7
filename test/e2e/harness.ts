// A tiny sequential test runner for the browser tests: one fresh page per test, console errors
// captured, uncaught page errors fail the test, one line per test and a final "N passed, N failed".
import type { BrowserContext, Page } from 'playwright-core';
import type { AppServer } from './chromium';

export interface TestContext {
  page: Page;
  context: BrowserContext;
  server: AppServer;
  /** A note printed under the test's result line (measurements, what was seen). */
  note(line: string): void;
  /** Console errors matching this pattern are expected by the test and not reported. */
  allowConsoleError(pattern: RegExp): void;
}

interface TestCase {
  name: string;
  timeoutMs: number;
  fn: (t: TestContext) => Promise<void>;
}

const cases: TestCase[] = [];

export function test(name: string, timeoutMs: number, fn: (t: TestContext) => Promise<void>): void {
  cases.push({ name, timeoutMs, fn });
}

export interface RunSummary {
  passed: number;
  failed: number;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n').slice(0, 12).join('\n');
  return String(error);
}

const indent = (text: string) => text.replace(/^/gm, '    ');

/** Run every registered test (or those whose name contains `filter`) in order. */
export async function runTests(context: BrowserContext, server: AppServer, filter?: string): Promise<RunSummary> {
  const summary: RunSummary = { passed: 0, failed: 0 };
  const selected = cases.filter((c) => !filter || c.name.includes(filter));
  for (const testCase of selected) {
    const page = await context.newPage();
    const notes: string[] = [];
    const consoleErrors: string[] = [];
    const uncaught: string[] = [];
    const allowed: RegExp[] = [];
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = message.text();
      if (!allowed.some((pattern) => pattern.test(text))) consoleErrors.push(text);
    });
    page.on('pageerror', (error) => uncaught.push(error.stack ?? error.message));
    page.on('crash', () => uncaught.push('the page crashed'));
    const t: TestContext = {
      page,
      context,
      server,
      note: (line) => notes.push(line),
      allowConsoleError: (pattern) => allowed.push(pattern),
    };
    const started = performance.now();
    let failure: string | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        testCase.fn(t),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${testCase.timeoutMs / 1000} s`)), testCase.timeoutMs);
        }),
      ]);
    } catch (error) {
      failure = describe(error);
    } finally {
      clearTimeout(timer);
    }
    if (!failure && uncaught.length > 0) failure = `uncaught error in the page:\n${uncaught.join('\n')}`;
    await page.close().catch(() => {});
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (failure) {
      summary.failed++;
      console.log(`FAIL ${testCase.name} (${seconds} s)`);
      console.log(indent(failure));
    } else {
      summary.passed++;
      console.log(`ok   ${testCase.name} (${seconds} s)`);
    }
    for (const line of notes) console.log(indent(line));
    if (consoleErrors.length > 0) console.log(indent(`console errors:\n${consoleErrors.map((e) => `  ${e}`).join('\n')}`));
  }
  return summary;
}
