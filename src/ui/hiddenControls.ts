// The page's reading of a classroom link's `hide=` flag. It never changes during a session (the
// URL writer keeps it), so it is parsed once.
import { parseHiddenControls, type HiddenControls, type HideablePanel } from '../state/classroom';

let hidden: HiddenControls | null = null;

export function hiddenControls(): HiddenControls {
  hidden ??= parseHiddenControls(new URLSearchParams(window.location.search).get('hide'));
  return hidden;
}

export function isControlHidden(testId: string): boolean {
  return hiddenControls().testIds.has(testId);
}

export function isPanelHidden(name: HideablePanel | string): boolean {
  return hiddenControls().panels.has(name.toLowerCase() as HideablePanel);
}
