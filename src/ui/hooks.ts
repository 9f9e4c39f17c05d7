import { useCallback, useEffect, useState } from 'react';
import { isActive, useLab } from '../state/store';
import { datasetNameOf } from '../state/datasetInfo';
import { runHeading, sameSetUp } from '../state/results';
import { trainCount } from '../state/problems';
import { browserSpeeds, estimateRun, isWarm, speedKey, type RunEstimate } from '../state/estimate';
import { plannedSteps } from '../train/schedule';

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

/**
 * How long the Lab's set-up will take here: its planned steps at the speed this browser measured
 * for the set-up, with its warm-up if it has not run in this worker. Read at every render: a run
 * that just ended (here or on the Compare page) has updated it. null until the backend and the
 * training set are known.
 */
export function useLabEstimate(): { backend: string; estimate: RunEstimate } | null {
  const config = useLab((s) => s.config);
  const backend = useLab((s) => s.backend?.name);
  const count = useLab((s) => trainCount(s));
  if (!backend || count === undefined) return null;
  const steps = plannedSteps(config, Math.floor(count / config.batchSize));
  const key = speedKey(backend, config);
  return { backend, estimate: estimateRun(config, steps, browserSpeeds()[key], isWarm(key)) };
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
