// What the page knows of a dataset by id: a shipped one from the registry, one read from the
// user's files from the summary the worker sent back (its only record on the page).
import { getBuiltinDataset } from '../data/registry';
import type { DatasetInfo } from '../data/types';
import type { LabState } from './store';

export function datasetInfoOf(datasets: LabState['datasets'], id: string): DatasetInfo | null {
  const summary = datasets[id]?.summary;
  if (summary) return summary;
  try {
    return getBuiltinDataset(id);
  } catch {
    return null;
  }
}

/** A dataset's display name, or its id when the page does not know it. */
export function datasetNameOf(datasets: LabState['datasets'], id: string): string {
  return datasetInfoOf(datasets, id)?.name ?? id;
}
