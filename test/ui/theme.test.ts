// The light and the dark theme (src/ui/styles.css custom properties): every text colour reads on
// the backgrounds it is used on (WCAG AA, 4.5:1), and chart lines, bars and heatmap shades stand
// out from the panel (3:1, WCAG's non-text contrast), in both themes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contrast, mix, parseHex, textOn, type Rgb } from '../../src/ui/colour';

const css = readFileSync(path.resolve(__dirname, '../../src/ui/styles.css'), 'utf8');

function variables(block: string): Record<string, Rgb> {
  const found: Record<string, Rgb> = {};
  for (const match of block.matchAll(/(--[\w-]+):\s*(#[0-9a-fA-F]{3,6})\s*;/g)) {
    const rgb = parseHex(match[2]);
    if (rgb) found[match[1]] = rgb;
  }
  return found;
}

/** The first `:root { … }` block, and the one inside `@media (prefers-color-scheme: dark)`. */
function themes(): Record<'light' | 'dark', Record<string, Rgb>> {
  const light = /:root\s*\{([^}]*)\}/.exec(css);
  const dark = /@media\s*\(prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{([^}]*)\}/.exec(css);
  if (!light || !dark) throw new Error('styles.css has no light :root block or no dark one');
  const lightVars = variables(light[1]);
  return { light: lightVars, dark: { ...lightVars, ...variables(dark[1]) } };
}

/** Text colour → the backgrounds it appears on. */
const TEXT_ON: Record<string, string[]> = {
  '--text': ['--bg', '--panel', '--panel-sunken', '--chip', '--accent-soft', '--input-bg', '--hover'],
  '--muted': ['--bg', '--panel', '--panel-sunken', '--chip', '--input-bg'],
  '--accent-strong': ['--bg', '--panel', '--panel-sunken', '--accent-soft'],
  '--danger': ['--panel', '--danger-soft'],
  '--danger-text': ['--danger-soft', '--panel'],
  '--warn-text': ['--panel', '--warn-soft', '--bg'],
  '--ok': ['--panel'],
  '--on-accent': ['--accent'],
  '--chart-tick': ['--panel'],
};

/** Marks that must stand out from the panel they are drawn on. */
const MARKS = [
  '--accent',
  '--series-ce',
  '--series-kd',
  '--series-total',
  '--series-train',
  ...[1, 2, 3, 4, 5, 6, 7].map((i) => `--term-${i}`),
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => `--run-${i}`),
  '--chart-mark',
  '--probability-hard',
  '--probability-student',
  '--heat',
  '--warn',
];

describe.each(['light', 'dark'] as const)('the %s theme', (name) => {
  const theme = themes()[name];
  const get = (variable: string) => {
    const value = theme[variable];
    if (!value) throw new Error(`${variable} is not set in the ${name} theme`);
    return value;
  };

  it('has text colours of at least 4.5:1 on their backgrounds', () => {
    const failures: string[] = [];
    for (const [text, backgrounds] of Object.entries(TEXT_ON)) {
      for (const background of backgrounds) {
        const ratio = contrast(get(text), get(background));
        if (ratio < 4.5) failures.push(`${text} on ${background}: ${ratio.toFixed(2)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('draws chart lines, bars and marks at least 3:1 against the panel', () => {
    const failures = MARKS.flatMap((mark) => {
      const ratio = contrast(get(mark), get('--panel'));
      return ratio < 3 ? [`${mark}: ${ratio.toFixed(2)}`] : [];
    });
    expect(failures).toEqual([]);
  });

  it('keeps every heatmap shade readable: its text at least 4.5:1 on it', () => {
    for (let step = 0; step <= 100; step++) {
      const background = mix(get('--panel'), get('--heat'), step / 100);
      expect(contrast(background, textOn(background))).toBeGreaterThanOrEqual(4.5);
    }
  });
});

describe('colour maths', () => {
  it('computes WCAG contrast: black on white is 21:1, a colour on itself 1:1', () => {
    expect(contrast([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 5);
    expect(contrast([59, 111, 216], [59, 111, 216])).toBeCloseTo(1, 5);
    expect(parseHex('#fff')).toEqual([255, 255, 255]);
    expect(parseHex('3b6fd8')).toEqual([59, 111, 216]);
    expect(parseHex('nope')).toBeNull();
  });
});
