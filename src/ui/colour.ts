// Colours as numbers: mixing two theme colours (the heatmaps' shades) and WCAG contrast, so that
// text on a computed background is chosen to stay readable in the light and the dark theme.
import { useMemo, useSyncExternalStore } from 'react';

export type Rgb = readonly [number, number, number];

export const BLACK: Rgb = [0, 0, 0];
export const WHITE: Rgb = [255, 255, 255];

/** #rgb or #rrggbb. */
export function parseHex(text: string): Rgb | null {
  const hex = text.trim().replace(/^#/, '');
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
  if (!/^[0-9a-f]{6}$/i.test(full)) return null;
  return [0, 2, 4].map((i) => Number.parseInt(full.slice(i, i + 2), 16)) as unknown as Rgb;
}

export function toHex(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, '0')).join('')}`;
}

/** `from` at t = 0, `to` at t = 1. */
export function mix(from: Rgb, to: Rgb, t: number): Rgb {
  const k = Math.min(1, Math.max(0, t));
  return [0, 1, 2].map((i) => from[i] + (to[i] - from[i]) * k) as unknown as Rgb;
}

/** WCAG 2 relative luminance. */
export function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio, 1 to 21. */
export function contrast(a: Rgb, b: Rgb): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high + 0.05) / (low + 0.05);
}

/** Black or white, whichever reads better on `background` (always at least 4.58:1). */
export function textOn(background: Rgb): Rgb {
  return contrast(background, BLACK) >= contrast(background, WHITE) ? BLACK : WHITE;
}

export type ColourScheme = 'light' | 'dark';

const DARK_QUERY = '(prefers-color-scheme: dark)';

function darkQuery(): MediaQueryList | null {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function' ? window.matchMedia(DARK_QUERY) : null;
}

function subscribe(onChange: () => void): () => void {
  const query = darkQuery();
  query?.addEventListener('change', onChange);
  return () => query?.removeEventListener('change', onChange);
}

/** The theme the page shows: the styles follow prefers-color-scheme, and so does this. */
export function useColourScheme(): ColourScheme {
  return useSyncExternalStore(
    subscribe,
    () => (darkQuery()?.matches ? 'dark' : 'light'),
    () => 'light',
  );
}

/** Light-theme values, for rendering without a document (the unit tests). */
const FALLBACK: Record<string, string> = { '--panel': '#ffffff', '--heat': '#2c58b5' };

/** Theme colours read from the page's custom properties (src/ui/styles.css), again when the theme changes. */
export function useThemeColours<K extends string>(names: readonly K[]): Record<K, Rgb> {
  const scheme = useColourScheme();
  const key = names.join(',');
  return useMemo(() => {
    const style = typeof document !== 'undefined' ? getComputedStyle(document.documentElement) : null;
    const colours = {} as Record<K, Rgb>;
    for (const name of key.split(',') as K[]) {
      colours[name] = parseHex(style?.getPropertyValue(name) ?? '') ?? parseHex(FALLBACK[name] ?? '') ?? BLACK;
    }
    return colours;
    // The scheme is what changes the computed values.
  }, [key, scheme]);
}
