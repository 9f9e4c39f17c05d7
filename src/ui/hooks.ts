import { useCallback, useEffect, useState } from 'react';
import { isActive, useLab } from '../state/store';

/** True while a run is loading, training or paused: most settings are locked then. */
export function useRunActive(): boolean {
  return useLab((s) => isActive(s.run.status));
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
