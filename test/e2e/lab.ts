// Page helpers for the lab, written against the data-testid hooks of docs/ARCHITECTURE.md §4.4 only.
import type { BrowserContext, Page } from 'playwright-core';

export type RunStatus = 'idle' | 'loading' | 'training' | 'paused' | 'done' | 'stopped' | 'error';

declare global {
  interface Window {
    __e2e?: {
      longTasks: { start: number; duration: number }[];
      statuses: { at: number; status: string }[];
      /** Every change of a chart's data-points attribute. */
      charts: { at: number; chart: string; points: number }[];
    };
  }
}

/**
 * Installed before any page script: records main-thread long tasks (PerformanceObserver
 * 'longtask') and every text the run-status element shows, with performance.now() times.
 */
// Kept as source text: tsx would wrap named functions in a helper that does not exist in the page.
const RECORDERS = `(() => {
  const record = { longTasks: [], statuses: [], charts: [] };
  window.__e2e = record;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) record.longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
  let last = '';
  const points = {};
  new MutationObserver(() => {
    const element = document.querySelector('[data-testid="run-status"]');
    const text = element && element.textContent ? element.textContent.trim() : '';
    if (element && text !== last) {
      last = text;
      record.statuses.push({ at: performance.now(), status: text });
    }
    for (const chart of document.querySelectorAll('[data-testid$="-chart"]')) {
      const id = chart.getAttribute('data-testid');
      const n = chart.getAttribute('data-points');
      if (n !== null && points[id] !== n) {
        points[id] = n;
        record.charts.push({ at: performance.now(), chart: id, points: Number(n) });
      }
    }
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-points'] });
})();`;

export async function installRecorders(page: Page): Promise<void> {
  await page.addInitScript({ content: RECORDERS });
}

/** Open the lab (optionally with a query string) and wait until the backend and dataset are ready. */
export async function openLab(page: Page, url: string): Promise<void> {
  await installRecorders(page);
  await page.goto(url);
  await page.getByTestId('backend-badge').waitFor({ timeout: 120_000 });
  await page.getByTestId('dataset-card').waitFor({ timeout: 120_000 });
}

export async function text(page: Page, testId: string): Promise<string> {
  return ((await page.getByTestId(testId).textContent()) ?? '').trim();
}

/**
 * The text of a test id if it is on the page now, '' if not. Never waits: `text` (textContent)
 * waits out Playwright's 30 s default for an element that is absent, such as the error banner of a
 * run that went well.
 */
export async function shownText(page: Page, testId: string): Promise<string> {
  const element = page.getByTestId(testId);
  return (await element.count()) > 0 ? ((await element.first().textContent()) ?? '').trim() : '';
}

export async function runStatus(page: Page): Promise<string> {
  return text(page, 'run-status');
}

/** The distinct statuses run-status has shown since the page loaded, in order. */
export async function statusHistory(page: Page): Promise<string[]> {
  return page.evaluate(() => (window.__e2e?.statuses ?? []).map((s) => s.status));
}

export async function waitForStatus(page: Page, wanted: RunStatus | RunStatus[], timeoutMs: number): Promise<string> {
  const list: string[] = Array.isArray(wanted) ? wanted : [wanted];
  try {
    await page.waitForFunction(
      (statuses) => statuses.includes(document.querySelector('[data-testid="run-status"]')?.textContent?.trim() ?? ''),
      list,
      { timeout: timeoutMs, polling: 100 },
    );
  } catch {
    const now = await runStatus(page);
    const error = await page.getByTestId('error-message').textContent({ timeout: 100 }).catch(() => null);
    throw new Error(`run-status stayed "${now}" instead of ${list.join(' | ')} within ${timeoutMs / 1000} s${error ? `: ${error}` : ''}`);
  }
  return runStatus(page);
}

/** Type into a number input as a user does (select all, type), so React sees an input event. */
export async function setNumber(page: Page, testId: string, value: number | string): Promise<void> {
  const input = page.getByTestId(testId);
  await input.fill(String(value));
}

export async function selectOption(page: Page, testId: string, value: string): Promise<void> {
  await page.getByTestId(testId).selectOption(value);
}

export async function inputValue(page: Page, testId: string): Promise<string> {
  return page.getByTestId(testId).inputValue();
}

export interface ChartGeometry {
  /** The chart's own count of data rows (data-points), when it exposes one. */
  points: number;
  /** Line segments actually drawn: path commands of every plotted line. */
  segments: number;
  /** Plotted lines (paths) with at least one segment. */
  lines: number;
}

/** What a chart has drawn: read from the SVG, so a chart that stops drawing is caught. */
export async function chartGeometry(page: Page, testId: string): Promise<ChartGeometry> {
  return page.getByTestId(testId).evaluate((chart) => {
    let segments = 0;
    let lines = 0;
    for (const path of chart.querySelectorAll('svg path')) {
      // Only data lines: recharts draws its curves as paths whose class names include "curve".
      if (!(path.getAttribute('class') ?? '').includes('curve')) continue;
      const commands = (path.getAttribute('d') ?? '').match(/[LC]/g)?.length ?? 0;
      segments += commands;
      if (commands > 0) lines++;
    }
    return { points: Number(chart.getAttribute('data-points') ?? 0), segments, lines };
  });
}

/** test-accuracy as a fraction in [0, 1] (the page may show a fraction or a percent). */
export async function testAccuracy(page: Page): Promise<number> {
  const shown = await text(page, 'test-accuracy');
  const number = Number.parseFloat(shown.replace(',', '.'));
  if (!Number.isFinite(number)) throw new Error(`test-accuracy shows "${shown}", not a number`);
  return shown.includes('%') || number > 1 ? number / 100 : number;
}

export async function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => performance.now());
}

/** A timeline of the page since `from` (seconds): status changes, chart updates and long tasks. */
export async function timeline(page: Page, from: number, to: number): Promise<string> {
  const record = await page.evaluate(() => window.__e2e);
  if (!record) return '';
  const events: { at: number; text: string }[] = [
    ...record.statuses.map((s) => ({ at: s.at, text: s.status })),
    ...record.charts.map((c) => ({ at: c.at, text: `${c.chart.replace('-chart', '')}=${c.points}` })),
    ...record.longTasks.map((t) => ({ at: t.start, text: `LONG ${t.duration.toFixed(0)}ms` })),
  ].filter((e) => e.at >= from && e.at <= to);
  events.sort((a, b) => a.at - b.at);
  return events.map((e) => `+${((e.at - from) / 1000).toFixed(1)}s ${e.text}`).join(', ');
}

/** Long tasks that started between two performance.now() times of the page. */
export async function longTasksBetween(page: Page, from: number, to: number): Promise<{ count: number; maxMs: number; all: number[] }> {
  const tasks = await page.evaluate(() => window.__e2e?.longTasks ?? []);
  const inWindow = tasks.filter((task) => task.start >= from && task.start <= to).map((task) => task.duration);
  return { count: inWindow.length, maxMs: inWindow.length ? Math.max(...inWindow) : 0, all: inWindow };
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll `probe` until `accept` holds; fails with the last value seen. */
export async function waitUntil<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: T = await probe();
  while (!accept(last)) {
    if (performance.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(last)} after ${timeoutMs / 1000} s`);
    await sleep(250);
    last = await probe();
  }
  return last;
}

/** The control's refusal reason: the element its aria-describedby names that sits beside it. */
export async function problemBesideControl(page: Page, testId: string): Promise<string | null> {
  return page.getByTestId(testId).evaluate((control) => {
    const ids = (control.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
    // The control's own field: its number box may sit in a row beside a slider.
    const container = control.closest('.field') ?? control.parentElement;
    for (const id of ids) {
      const element = document.getElementById(id);
      if (!element || !container?.contains(element)) continue;
      const visible = element.getClientRects().length > 0 && getComputedStyle(element).visibility !== 'hidden';
      const invalid = control.getAttribute('aria-invalid') === 'true' || element.getAttribute('role') === 'alert';
      if (visible && invalid && element.textContent?.trim()) return element.textContent.trim();
    }
    return null;
  });
}

export interface MainThreadTask {
  /** Wall-clock duration, what PerformanceObserver reports for a long task. */
  wallMs: number;
  /** CPU time the main thread itself spent in the task. */
  cpuMs: number;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/**
 * Trace the page's renderer main thread (Chrome's own timeline) until the returned function is
 * called; it returns every task over 50 ms with its wall time and its thread CPU time. On a busy
 * machine a task's wall time includes time the OS gave the CPU to other processes; the CPU time
 * is what the page itself spent.
 */
export async function traceMainThread(context: BrowserContext, page: Page): Promise<() => Promise<MainThreadTask[]>> {
  const cdp = await context.newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (message: { value: object[] }) => events.push(...(message.value as TraceEvent[])));
  const complete = new Promise<void>((resolve) => cdp.on('Tracing.tracingComplete', () => resolve()));
  await cdp.send('Tracing.start', { categories: 'toplevel,disabled-by-default-devtools.timeline', transferMode: 'ReportEvents' });
  return async () => {
    await cdp.send('Tracing.end');
    await complete;
    await cdp.detach().catch(() => {});
    const mains = events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
    const busiest = mains
      .map((thread) => {
        const tasks = events.filter((e) => e.pid === thread.pid && e.tid === thread.tid && e.name === 'RunTask' && e.ph === 'X');
        return { tasks, total: tasks.reduce((sum, e) => sum + (e.dur ?? 0), 0) };
      })
      .sort((a, b) => b.total - a.total)[0];
    return (busiest?.tasks ?? [])
      .filter((e) => (e.dur ?? 0) > 50_000)
      .map((e) => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? e.dur ?? 0) / 1000 }));
  };
}
