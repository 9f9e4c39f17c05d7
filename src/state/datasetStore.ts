// Datasets read from the user's files, kept in this browser's IndexedDB as the files themselves
// (a File is stored as it is): after a reload the page hands them to the worker again, so a URL
// that names one reopens it. Errors go to the caller, which shows them (a full disk included).
import { DATASETS, transactOn } from './runStore';

export interface SavedDataset {
  id: string;
  name: string;
  files: File[];
  savedAt: number;
}

/** What the page lists of a saved dataset without reading its files. */
export interface SavedDatasetEntry {
  id: string;
  name: string;
  bytes: number;
}

export async function saveDataset(dataset: SavedDataset): Promise<void> {
  await transactOn(DATASETS, 'readwrite', (store) => store.put(dataset));
}

export async function readDataset(id: string): Promise<SavedDataset | null> {
  return transactOn(DATASETS, 'readonly', (store) => store.get(id), (request) => (request.result as SavedDataset | undefined) ?? null);
}

export async function listDatasets(): Promise<SavedDatasetEntry[]> {
  const all = await transactOn(DATASETS, 'readonly', (store) => store.getAll(), (request) => request.result as SavedDataset[]);
  return all.sort((a, b) => a.savedAt - b.savedAt).map((d) => ({ id: d.id, name: d.name, bytes: d.files.reduce((n, file) => n + file.size, 0) }));
}

export async function deleteDataset(id: string): Promise<void> {
  await transactOn(DATASETS, 'readwrite', (store) => store.delete(id));
}
