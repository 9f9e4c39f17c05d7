// Datasets read from the user's files, kept in this browser's IndexedDB as the files themselves
// (a File is stored as it is): after a reload the page hands them to the worker again, so a URL
// that names one reopens it; and the teacher the Lab trained for each. Errors go to the caller,
// which shows them (a full disk included).
import { DATASETS, TEACHERS, transactOn } from './runStore';
import type { StudentFiles } from './runStore';

/** The teacher the Lab trained for one of the user's datasets, with its scores. */
export interface SavedTeacher {
  dataset: string;
  name: string;
  files: StudentFiles;
  trained: { testAccuracy: number; valAccuracy: number; testMpa: number; epochs: number };
}

export async function saveTeacher(teacher: SavedTeacher): Promise<void> {
  await transactOn(TEACHERS, 'readwrite', (store) => store.put(teacher));
}

export async function readTeacher(dataset: string): Promise<SavedTeacher | null> {
  return transactOn(TEACHERS, 'readonly', (store) => store.get(dataset), (request) => (request.result as SavedTeacher | undefined) ?? null);
}

export interface SavedDataset {
  id: string;
  name: string;
  files: File[];
  savedAt: number;
  /** The size an image folder was resized to when it was read, read again with it. */
  imageSize?: [number, number];
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

/** A dataset and the teacher trained for it. */
export async function deleteDataset(id: string): Promise<void> {
  await transactOn(DATASETS, 'readwrite', (store) => store.delete(id));
  await transactOn(TEACHERS, 'readwrite', (store) => store.delete(id));
}
