// Classroom links: `hide=lr,epochs,method` hides chosen controls (knob keys or their URL names,
// method parameters such as temperature, or whole panels). Hidden controls keep their values:
// only the page hides them, the configuration and the URL are untouched.
import { METHODS } from '../kd/methods';
import { KNOBS, paramTestId } from './knobs';

/** Panels a link can hide, by the name used in `hide=`. */
export const HIDEABLE_PANELS = ['presets', 'data', 'models', 'distillation', 'training', 'inspect', 'matched'] as const;
export type HideablePanel = (typeof HIDEABLE_PANELS)[number];

export interface HiddenControls {
  /** data-testid of every hidden control. */
  testIds: ReadonlySet<string>;
  panels: ReadonlySet<HideablePanel>;
  /** The recognised names, as written in the link. */
  names: string[];
  /** Names that match no control or panel (shown to the teacher, never an error). */
  unknown: string[];
}

function controlTestId(name: string): string | null {
  const lower = name.toLowerCase();
  const knob = KNOBS.find((k) => k.key.toLowerCase() === lower || k.url.toLowerCase() === lower);
  if (knob) return knob.testId;
  for (const method of METHODS) {
    const spec = method.params.find((p) => p.name.toLowerCase() === lower);
    if (spec) return paramTestId(spec.name);
  }
  return null;
}

export function parseHiddenControls(value: string | null | undefined): HiddenControls {
  const testIds = new Set<string>();
  const panels = new Set<HideablePanel>();
  const names: string[] = [];
  const unknown: string[] = [];
  for (const raw of (value ?? '').split(',')) {
    const name = raw.trim();
    if (!name) continue;
    const panel = HIDEABLE_PANELS.find((p) => p === name.toLowerCase());
    const testId = controlTestId(name);
    if (panel) panels.add(panel);
    if (testId) testIds.add(testId);
    (panel || testId ? names : unknown).push(name);
  }
  return { testIds, panels, names, unknown };
}
