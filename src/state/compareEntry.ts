// One row of the comparison (a CompareEntry of the Compare page's store, compare.ts): a fresh one,
// and the one way the queue and the saved runs change one in place.
import type { ExperimentConfig } from '../train/config';
import { compareStore, type CompareEntry } from './compare';

/** Change one entry of the store: a patch, or a function of the entry as it is now. */
export function patchEntry(id: string, patch: Partial<CompareEntry> | ((entry: CompareEntry) => Partial<CompareEntry>)): void {
  compareStore.setState((state) => ({
    entries: state.entries.map((entry) => (entry.id === id ? { ...entry, ...(typeof patch === 'function' ? patch(entry) : patch) } : entry)),
  }));
}

/** An entry that has not run yet: queued, no scores, no curves, no student. */
export function emptyEntry(id: string, label: string, kind: CompareEntry['kind'], config: ExperimentConfig, group = id): CompareEntry {
  return {
    id,
    group,
    label,
    kind,
    config,
    status: 'queued',
    detail: '',
    progress: 0,
    result: null,
    teacher: null,
    error: null,
    curves: { loss: [], evals: [] },
    student: null,
    studentMessage: '',
    origin: 'queue',
    savedId: null,
  };
}
