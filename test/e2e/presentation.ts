// What a person sees: images drawn pixel for pixel at their own aspect ratio, the Lab usable on a
// phone (390×844) with Start on the first screen and nothing scrolling sideways, the keyboard
// reaching Start in a few Tab presses, every focusable element named, and no serious or critical
// axe-core violation on the four pages in the light and the dark theme.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Locator, Page } from 'playwright-core';
import { test, type TestContext } from './harness';
import { openLab, waitForStatus, waitUntil } from './lab';

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

/** The four pages: their tab, and an element that shows the page has loaded. */
const PAGES = [
  { name: 'Lab', tab: 'tab-lab', ready: 'dataset-card' },
  { name: 'Soft labels', tab: 'tab-explore', ready: 'teacher-entropy' },
  { name: 'Compare', tab: 'tab-compare', ready: 'compare-page' },
  { name: 'Classroom', tab: 'tab-classroom', ready: 'classroom-step-soft-labels' },
] as const;

/** A few steps of attention transfer on Digits: the inspector has mistakes to show, the charts have curves, "What is matched" has maps (so its pictures go through the same checks). wasm: seconds, no backend race. */
const SHORT_RUN = 'dataset=digits&method=at&teacher=digits-teacher-cnn&epochs=1&train_limit=192&batch=64&eval_every=1000&backend=wasm';

interface DrawnImage {
  label: string;
  naturalWidth: number;
  naturalHeight: number;
  width: number;
  height: number;
  pixelated: boolean;
}

async function drawnImages(page: Page): Promise<DrawnImage[]> {
  return page.locator('img.pixel-image').evaluateAll((images) =>
    (images as HTMLImageElement[])
      .filter((image) => image.getClientRects().length > 0)
      .map((image) => {
        const box = image.getBoundingClientRect();
        return {
          label: image.getAttribute('aria-label') ?? image.alt,
          naturalWidth: image.naturalWidth,
          naturalHeight: image.naturalHeight,
          width: box.width,
          height: box.height,
          pixelated: getComputedStyle(image).imageRendering === 'pixelated',
        };
      }),
  );
}

/** Captions under the dataset card's images: whole, or cut with the whole name in their title. */
async function checkCaptions(page: Page, where: string): Promise<void> {
  const cut = await page.locator('.sample figcaption').evaluateAll((captions) =>
    captions.filter((caption) => caption.scrollWidth > caption.clientWidth + 1 && !caption.getAttribute('title')).map((caption) => caption.textContent ?? ''),
  );
  assert.deepEqual(cut, [], `${where}: class names cut without a title`);
}

/** Every image at its own aspect ratio, pixelated, at an integer scale; square ones square and at least 24 px. */
async function checkImages(page: Page, where: string): Promise<DrawnImage[]> {
  // Decoded first: an image not decoded yet has no natural size.
  await page.locator('img.pixel-image').evaluateAll((images) => Promise.all((images as HTMLImageElement[]).map((image) => image.decode().catch(() => {}))));
  const images = await drawnImages(page);
  for (const image of images) {
    const what = `${where}: "${image.label}" (${image.naturalWidth}×${image.naturalHeight} drawn ${image.width.toFixed(1)}×${image.height.toFixed(1)} px)`;
    assert.ok(image.pixelated, `${what} is not drawn with image-rendering: pixelated`);
    const scaleX = image.width / image.naturalWidth;
    const scaleY = image.height / image.naturalHeight;
    assert.ok(Math.abs(scaleX - scaleY) < 0.02 && Math.abs(scaleX - Math.round(scaleX)) < 0.02, `${what} is not drawn at one integer scale`);
    if (image.naturalWidth === image.naturalHeight) {
      const aspect = image.width / image.height;
      assert.ok(aspect >= 0.9 && aspect <= 1.1, `${what} is not square`);
      assert.ok(Math.min(image.width, image.height) >= 24, `${what} is smaller than 24 px`);
    }
  }
  return images;
}

/** How wide the page is against the window, and the outermost elements that stick out on the right. */
async function sidewaysScroll(page: Page): Promise<{ scrollWidth: number; innerWidth: number; culprits: string[] }> {
  return page.evaluate(() => {
    const innerWidth = window.innerWidth;
    const culprits: string[] = [];
    for (const element of document.querySelectorAll('body *')) {
      if (element.getBoundingClientRect().right <= innerWidth + 0.5) continue;
      const parent = element.parentElement;
      // Only the outermost: an element whose parent sticks out too is not the cause.
      if (parent && parent !== document.body && parent.getBoundingClientRect().right > innerWidth + 0.5) continue;
      // Inside a box that clips or scrolls it, it does not widen the page.
      let clipped = false;
      for (let up = parent; up && up !== document.body && !clipped; up = up.parentElement) clipped = getComputedStyle(up).overflowX !== 'visible';
      if (clipped) continue;
      const id = element.getAttribute('data-testid') ?? element.id ?? '';
      culprits.push(`${element.tagName.toLowerCase()}${id ? `#${id}` : ''}.${element.className} (right ${element.getBoundingClientRect().right.toFixed(0)})`);
      if (culprits.length >= 6) break;
    }
    return { scrollWidth: document.scrollingElement?.scrollWidth ?? 0, innerWidth, culprits };
  });
}

async function checkNoSidewaysScroll(page: Page, where: string): Promise<void> {
  const { scrollWidth, innerWidth, culprits } = await sidewaysScroll(page);
  assert.ok(scrollWidth <= innerWidth, `${where}: the page scrolls sideways (scrollWidth ${scrollWidth} > innerWidth ${innerWidth}); sticking out: ${culprits.join(', ')}`);
}

/** Tables and per-class rows are either inside their panel or in a box of their own that scrolls. */
async function checkNothingClipped(page: Page, where: string): Promise<void> {
  const clipped = await page.evaluate(() => {
    const problems: string[] = [];
    for (const element of document.querySelectorAll('main table, main .class-bar-row')) {
      const panel = element.closest('.panel');
      if (!panel || element.getClientRects().length === 0) continue;
      const right = panel.getBoundingClientRect().right;
      let scroller: Element | null = element.parentElement;
      while (scroller && scroller !== panel && !/(auto|scroll)/.test(getComputedStyle(scroller).overflowX)) scroller = scroller.parentElement;
      const box = scroller && scroller !== panel ? scroller : element;
      if (box.getBoundingClientRect().right > right + 1) {
        problems.push(`${element.tagName.toLowerCase()}${element.getAttribute('data-testid') ? `[${element.getAttribute('data-testid')}]` : ''} ends at ${box.getBoundingClientRect().right.toFixed(0)} px, its panel at ${right.toFixed(0)} px`);
      }
    }
    return problems;
  });
  assert.deepEqual(clipped, [], `${where}: content cut off by its panel`);
}

let axeSource: string | null = null;

/** axe-core's violations of impact serious or critical, as "rule (impact): targets" lines. */
async function axeViolations(page: Page): Promise<string[]> {
  if (axeSource === null) {
    const require = createRequire(import.meta.url);
    axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  }
  // Evaluated through the debugging protocol: the built page's Content-Security-Policy forbids inline scripts.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> } }).axe;
    const results = await axe.run(document, { resultTypes: ['violations'] });
    return results.violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map((violation) => {
        const nodes = violation.nodes.slice(0, 4).map((node) => `${node.target.join(' ')}${node.failureSummary ? ` (${node.failureSummary.split('\n').slice(1, 2).join('').trim()})` : ''}`);
        return `${violation.id} (${violation.impact}, ${violation.nodes.length} elements): ${violation.help}; ${nodes.join('; ')}`;
      });
  });
}

interface DomNode {
  backendNodeId: number;
  nodeName: string;
  attributes?: string[];
  children?: DomNode[];
  shadowRoots?: DomNode[];
}

/**
 * Focusable elements without an accessible name, from Chromium's own accessibility tree (which also
 * knows what the browser makes focusable by itself, such as a box that scrolls). Elements focused
 * only by script (tabindex="-1": a skip link's target, the roving tab stops' others) are left out.
 */
async function unnamedFocusable(t: TestContext): Promise<string[]> {
  const cdp = await t.context.newCDPSession(t.page);
  try {
    const { root } = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: DomNode };
    const elements = new Map<number, DomNode>();
    const walk = (node: DomNode) => {
      elements.set(node.backendNodeId, node);
      for (const child of [...(node.children ?? []), ...(node.shadowRoots ?? [])]) walk(child);
    };
    walk(root);
    const attribute = (node: DomNode | undefined, name: string) => {
      const list = node?.attributes ?? [];
      for (let i = 0; i < list.length; i += 2) if (list[i] === name) return list[i + 1];
      return undefined;
    };
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    return nodes
      .filter((node) => !node.ignored && node.properties?.some((p) => p.name === 'focusable' && p.value.value === true))
      .filter((node) => node.role?.value !== 'RootWebArea' && String(node.name?.value ?? '').trim() === '')
      .filter((node) => attribute(elements.get(node.backendDOMNodeId ?? -1), 'tabindex') !== '-1')
      .map((node) => {
        const element = elements.get(node.backendDOMNodeId ?? -1);
        const id = attribute(element, 'data-testid') ?? attribute(element, 'id') ?? attribute(element, 'class') ?? '';
        return `${String(node.role?.value)} <${element?.nodeName.toLowerCase() ?? '?'}${id ? ` ${id}` : ''}>`;
      });
  } finally {
    await cdp.detach().catch(() => {});
  }
}

async function openPage(page: Page, view: (typeof PAGES)[number]): Promise<void> {
  await page.getByTestId(view.tab).click();
  await page.getByTestId(view.ready).first().waitFor({ timeout: 120_000 });
  await page.evaluate(() => window.scrollTo(0, 0));
}

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.emulateMedia({ colorScheme: theme });
  // The heatmaps choose their colours per theme in a render after the media change.
  await page.waitForTimeout(200);
}

async function startBox(page: Page): Promise<{ top: number; bottom: number }> {
  return page.getByTestId('start-button').evaluate((button) => {
    const box = button.getBoundingClientRect();
    return { top: box.top, bottom: box.bottom };
  });
}

/** The Lab at 1440×900, set up for a short run, with Start enabled. */
async function openLabReady(t: TestContext): Promise<Locator> {
  await t.page.setViewportSize(DESKTOP);
  await openLab(t.page, `${t.server.url}?${SHORT_RUN}`);
  const start = t.page.getByTestId('start-button');
  await waitUntil(() => start.isEnabled(), Boolean, 60_000, 'start-button enabled');
  return start;
}

test('[presentation] Start is the 2nd-10th Tab stop after "Skip to run controls", which moves focus to Start; every focusable element has a name', 120_000, async (t) => {
  const { page } = t;
  const start = await openLabReady(t);

  const stops: string[] = [];
  for (let press = 1; press <= 10; press++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const element = document.activeElement;
      return element?.getAttribute('data-testid') ?? (element?.textContent ?? '').trim().slice(0, 30);
    });
    stops.push(stop);
    if (stop === 'start-button') break;
  }
  t.note(`Tab stops: ${stops.join(' → ')}`);
  assert.equal(stops[0], 'Skip to run controls', 'the first Tab stop is the skip link');
  assert.ok(stops.includes('start-button'), `Start is not among the first 10 Tab stops: ${stops.join(', ')}`);

  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.getByText('Skip to run controls').focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'start-button', 'the skip link moves focus to Start');

  await start.click();
  assert.equal(await waitForStatus(page, ['done', 'error'], 120_000), 'done');
  await page.getByTestId('confused-pairs').locator('img.pixel-image').first().waitFor({ timeout: 30_000 }).catch(() => {});
  for (const view of PAGES) {
    await openPage(page, view);
    assert.deepEqual(await unnamedFocusable(t), [], `${view.name}: focusable elements without a name`);
  }
});

test('[presentation] pixel images, phone layout and axe-core on the four pages (light and dark), before and after a short run', 240_000, async (t) => {
  const { page } = t;
  const start = await openLabReady(t);

  // The Lab before any run, on a phone: Start on the first screen, and still there halfway down.
  await page.setViewportSize(PHONE);
  await page.evaluate(() => window.scrollTo(0, 0));
  const first = await startBox(page);
  assert.ok(first.bottom <= PHONE.height, `Start ends at ${first.bottom.toFixed(0)} px on a ${PHONE.height} px screen`);
  const headerHeight = await page.locator('header').first().evaluate((header) => header.getBoundingClientRect().height);
  assert.ok(headerHeight <= 140, `the header is ${headerHeight.toFixed(0)} px tall on a phone`);
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight / 2));
  const scrolled = await startBox(page);
  assert.ok(scrolled.top >= 0 && scrolled.bottom <= PHONE.height, `halfway down the page Start is at ${scrolled.top.toFixed(0)}–${scrolled.bottom.toFixed(0)} px`);
  t.note(`phone: Start's bottom edge at ${first.bottom.toFixed(0)} px (halfway down: ${scrolled.bottom.toFixed(0)} px); header ${headerHeight.toFixed(0)} px tall`);
  await checkNoSidewaysScroll(page, 'Lab on a phone');
  await checkImages(page, 'Lab on a phone');
  // The backend's details open below its one-line summary, inside the screen.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.locator('header details summary').click();
  const details = await page.getByTestId('backend-why').evaluate((element) => {
    const box = element.closest('.backend-details')?.getBoundingClientRect();
    return box ? { left: box.left, right: box.right } : null;
  });
  assert.ok(details && details.left >= 0 && details.right <= PHONE.width, `the backend's details lie at ${JSON.stringify(details)} on a ${PHONE.width} px screen`);
  await checkNoSidewaysScroll(page, 'Lab on a phone, backend details open');
  await page.locator('header details summary').click();

  await page.setViewportSize(DESKTOP);
  await start.click();
  assert.equal(await waitForStatus(page, ['done', 'error'], 120_000), 'done');
  await page.getByTestId('confused-pairs').locator('img.pixel-image').first().waitFor({ timeout: 30_000 });

  const seen: string[] = [];
  for (const view of PAGES) {
    await openPage(page, view);
    if (view.name === 'Compare') {
      // The Lab's run, shown in the comparison: the results table and the curves have a row.
      await page.getByTestId('saved-run-show').first().check({ timeout: 10_000 });
      await page.getByTestId('compare-row').first().waitFor({ timeout: 10_000 });
    }
    for (const viewport of [DESKTOP, PHONE]) {
      await page.setViewportSize(viewport);
      const where = `${view.name} at ${viewport.width}×${viewport.height}`;
      await checkNoSidewaysScroll(page, where);
      await checkNothingClipped(page, where);
      const images = await checkImages(page, where);
      await checkCaptions(page, where);
      if (images.length > 0) {
        const sides = images.map((image) => Math.round(image.width));
        seen.push(`${where}: ${images.length} images, ${Math.min(...sides)}–${Math.max(...sides)} px`);
      }
    }
    await page.setViewportSize(DESKTOP);
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(page, theme);
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], `${view.name} (${theme}): axe-core violations`);
    }
    await setTheme(page, 'light');
  }
  for (const line of seen) t.note(line);

  // The inspector's mistakes and the explorer's chosen image, in numbers.
  await openPage(page, PAGES[1]);
  const chosen = await page.getByTestId('explorer-chosen-image').evaluate((image) => image.getBoundingClientRect().width);
  assert.ok(chosen >= 160, `the chosen image is ${chosen} px wide`);
  t.note(`explorer: the chosen image is drawn ${chosen} px wide`);
});
