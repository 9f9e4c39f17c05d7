import { useCallback, useEffect, useState } from 'react';
import { isActive, useLab } from '../state/store';
import { datasetNameOf } from '../state/datasetInfo';
import { runHeading, sameSetUp } from '../state/results';

/** True while a run is loading, training or paused: most settings are locked then. */
export function useRunActive(): boolean {
  return useLab((s) => isActive(s.run.status));
}

/**
 * The shown run: what it was (its heading), and whether the set-up has changed since, so its
 * results belong to a previous run (never while it trains: live knobs change the set-up on purpose).
 */
export function useShownRun(): { heading: string | null; stale: boolean } {
  const ran = useLab((s) => s.run.config);
  const now = useLab((s) => s.config);
  const active = useRunActive();
  const datasetName = useLab((s) => (ran ? datasetNameOf(s.datasets, ran.dataset) : ''));
  if (!ran) return { heading: null, stale: false };
  return { heading: runHeading(ran, datasetName), stale: !active && !sameSetUp(ran, now) };
}

/** The content width of an element, followed as it resizes (null before it is measured). */
export function useElementWidth<T extends HTMLElement>(): [(element: T | null) => void, number | null] {
  const [element, setElement] = useState<T | null>(null);
  const [width, setWidth] = useState<number | null>(null);
  useEffect(() => {
    if (!element || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentRect;
      if (box) setWidth(Math.floor(box.width));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [element]);
  const ref = useCallback((next: T | null) => setElement(next), []);
  return [ref, width];
}
