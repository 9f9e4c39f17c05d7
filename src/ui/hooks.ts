import { isActive, useLab } from '../state/store';

/** True while a run is loading, training or paused: most settings are locked then. */
export function useRunActive(): boolean {
  return useLab((s) => isActive(s.run.status));
}
