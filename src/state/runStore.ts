// Finished runs kept in the browser's IndexedDB (plain API): configuration, result, decimated
// curves and, when the worker could export it, the trained student. Errors are thrown to the
// caller, which shows them: a full disk (QuotaExceededError) must never pass silently.
import type { ExperimentConfig } from '../train/config';
import type { TeacherEvaluation } from '../train/evaluate';
import type { EvalPoint, RunResult } from '../train/runTypes';

const DB_NAME = 'distillation-lab';
/** 2: the datasets read from the user's files (datasetStore.ts) beside the runs; 3: the teachers trained for them. */
const DB_VERSION = 3;
const RUNS = 'runs';
export const DATASETS = 'datasets';
export const TEACHERS = 'teachers';

/** One point of a saved loss curve. */
export interface CurvePoint {
  step: number;
  ce: number;
  kd: number;
  total: number;
}

export interface RunCurves {
  loss: CurvePoint[];
  evals: EvalPoint[];
}

/** A trained student in the tfjs layers format: model.json's text and weights.bin's bytes. */
export interface StudentFiles {
  modelJson: string;
  weights: ArrayBuffer;
}

interface SavedBase {
  id: string;
  label: string;
  savedAt: number;
  /** Where the run was started: a single run on the Lab page or a comparison queue. */
  source: 'lab' | 'compare';
  config: ExperimentConfig;
}

export interface SavedStudentRun extends SavedBase {
  kind: 'student';
  /** null for a checkpoint: a Lab run saved while it trained (see `interrupted`). */
  result: RunResult | null;
  curves: RunCurves;
  student: StudentFiles | null;
  /**
   * A checkpoint of a Lab run, rewritten every few seconds while it trains and replaced by the
   * full record when it ends: after a reload or a crash it is what remains (curves, config, the
   * step reached; not the student's weights).
   */
  interrupted?: { step: number; totalSteps: number };
}

export interface SavedTeacherRun extends SavedBase {
  kind: 'teacher';
  evaluation: TeacherEvaluation;
  parameters: number;
  seconds: number;
}

export type SavedRun = SavedStudentRun | SavedTeacherRun;

/** Most points a saved loss curve keeps. */
export const SAVED_CURVE_POINTS = 300;

/** Every k-th point, always ending with the last one, at most `max` points. */
export function decimate<T>(points: readonly T[], max: number): T[] {
  const n = points.length;
  if (n <= max) return points.slice();
  const stride = Math.ceil(n / max);
  const out: T[] = [];
  for (let i = (n - 1) % stride; i < n; i += stride) out.push(points[i]);
  return out;
}

/** Test hook: make the next save fail as a full disk does (window.__distillLab.failNextSave = 'quota'). */
export const saveFaults: { next: 'quota' | null } = { next: null };

let opening: Promise<IDBDatabase> | null = null;

function openDatabase(): Promise<IDBDatabase> {
  if (opening) return opening;
  opening = new Promise<IDBDatabase>((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new Error('This browser has no IndexedDB: runs cannot be saved.'));
      return;
    }
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(RUNS)) db.createObjectStore(RUNS, { keyPath: 'id' });
      if (!db.objectStoreNames.contains(DATASETS)) db.createObjectStore(DATASETS, { keyPath: 'id' });
      if (!db.objectStoreNames.contains(TEACHERS)) db.createObjectStore(TEACHERS, { keyPath: 'dataset' });
    };
    request.onsuccess = () => {
      const db = request.result;
      // Another tab upgrading the database: let it, and reopen next time.
      db.onversionchange = () => {
        db.close();
        opening = null;
      };
      resolve(db);
    };
    request.onerror = () => reject(request.error ?? new Error('Could not open the run database'));
    request.onblocked = () => reject(new Error('The run database is blocked by another tab of the lab: close it and reload.'));
  });
  opening.catch(() => {
    opening = null;
  });
  return opening;
}

/** Run one transaction on the runs; resolves with `read()`'s value once it has committed. */
function transact<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest | null, read?: (request: IDBRequest) => T): Promise<T> {
  return transactOn(RUNS, mode, work, read);
}

/** Run one transaction on an object store of the lab's database (runs, datasets). */
export async function transactOn<T>(name: string, mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest | null, read?: (request: IDBRequest) => T): Promise<T> {
  const db = await openDatabase();
  return new Promise<T>((resolve, reject) => {
    const tx = db.transaction(name, mode);
    const request = work(tx.objectStore(name));
    tx.oncomplete = () => resolve(read && request ? read(request) : (undefined as T));
    tx.onerror = () => reject(tx.error ?? request?.error ?? new Error('The run database refused the change'));
    tx.onabort = () => reject(tx.error ?? new Error('The run database aborted the change'));
  });
}

export async function saveRun(run: SavedRun): Promise<void> {
  if (saveFaults.next === 'quota') {
    saveFaults.next = null;
    throw new DOMException('Simulated: the quota for this origin has been exceeded', 'QuotaExceededError');
  }
  await transact('readwrite', (store) => store.put(run));
}

/** Write a running Lab run's checkpoint; the test fault hook is left for the save of a finished run. */
export async function saveCheckpoint(run: SavedStudentRun): Promise<void> {
  await transact('readwrite', (store) => store.put(run));
}

/** Every saved run, oldest first. */
export async function listRuns(): Promise<SavedRun[]> {
  const runs = await transact('readonly', (store) => store.getAll(), (request) => request.result as SavedRun[]);
  return runs.sort((a, b) => a.savedAt - b.savedAt);
}

export async function deleteRun(id: string): Promise<void> {
  await transact('readwrite', (store) => store.delete(id));
}

/** A storage failure in words a user can act on. */
export function describeStorageError(error: unknown, action: string): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  const detail = error instanceof Error || error instanceof DOMException ? error.message : String(error);
  if (name === 'QuotaExceededError') {
    return `${action} failed: the browser's storage for this site is full (QuotaExceededError). Delete saved runs on the Compare page or free disk space; the results stay on this page until it is reloaded.`;
  }
  return `${action} failed: ${detail}${name && name !== 'Error' ? ` (${name})` : ''}`;
}
