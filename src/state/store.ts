// One zustand store made of slices, one per concern. Components read it through narrow
// selectors (useLab(s => s.run.status)); the action modules beside it (runLifecycle.ts, configActions.ts,
// teacherActions.ts, datasetActions.ts, lab.ts) are what change it.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../train/config';
import type { TeacherCard } from '../models/catalog';
import type { EvalPoint, RunResult } from '../train/runTypes';
import type { HeardKnobChange } from './knobMarks';
import type { BackendName, DatasetSummary, RunPhase } from '../worker/protocol';
import type { LossRow } from './lossSeries';
import type { SavedDatasetEntry } from './datasetStore';
import { createExplorerSlice, type ExplorerSlice } from './explorerSlice';
import { createLayerSlice, type LayerSlice } from './layerSlice';

/** 'stopped': the user stopped the run (it may have a result: the student as far as it trained). */
export type RunStatus = 'idle' | 'loading' | 'training' | 'paused' | 'done' | 'stopped' | 'error';

/** A run that has started and not ended: it may be loading, training or paused. */
export function isActive(status: RunStatus): boolean {
  return status === 'loading' || status === 'training' || status === 'paused';
}

export interface ConfigSlice {
  config: ExperimentConfig;
}

export interface DatasetState {
  status: 'loading' | 'ready' | 'failed';
  fraction: number;
  message: string;
  summary?: DatasetSummary;
}

export interface DatasetSlice {
  datasets: Record<string, DatasetState>;
  /** The user's files being read (`id`: the dataset they become, whose progress the worker reports), or how the last reading ended. */
  datasetUpload: { status: 'idle' | 'reading' | 'accepted' | 'refused'; message: string; id?: string };
  /** The user's datasets kept in this browser (IndexedDB), loaded or not. */
  savedDatasets: SavedDatasetEntry[];
  /** The side image folders are resized to when read (square); null: each folder's most common size, at most 64×64. */
  uploadImageSide: number | null;
}

export interface UploadedTeacher {
  name: string;
  parameters: number;
  inputShape: (number | null)[];
  numClasses: number;
  /** When the Lab trained it: its scores and epochs, shown as a shipped teacher's card shows them. */
  trained?: { testAccuracy: number; valAccuracy: number; testMpa: number; epochs: number };
}

export interface ModelSlice {
  /** parameters[dataset][architecture], computed in the worker; null until it reports. */
  parameters: Record<string, Record<string, number>> | null;
  teacherIndex: { status: 'loading' | 'ready' | 'missing'; cards: TeacherCard[]; message: string };
  uploadedTeacher: UploadedTeacher | null;
  teacherUpload: { status: 'idle' | 'checking' | 'accepted' | 'refused'; message: string };
  /**
   * A teacher being trained in the Lab for the current dataset ("Train a teacher"): the set-up to
   * go back to, with that teacher, once its run has ended and it is used as the teacher.
   */
  teacherTraining: { returnTo: ExperimentConfig } | null;
}

export interface BackendSlice {
  /** A worker is starting and measuring which backend is fastest here: Start waits for it (a run started meanwhile ran 4× slower). */
  backendStarting: boolean;
  /** why: how the lab chose it (a measurement, or the user's forced choice); null when it was simply the first that worked. threads: what it computes on (wasm's pool). */
  backend: { name: BackendName; fallbackReason: string | null; why?: string | null; threads?: number } | null;
}

export interface RunError {
  message: string;
  step?: number;
  suggestion?: string;
}

export interface RunSlice {
  run: {
    id: string | null;
    status: RunStatus;
    /** Pause was pressed; the worker has not yet confirmed that the loop stopped. */
    pausing: boolean;
    /** Finish was pressed on a run that trains until stopped: it is being scored. */
    finishing: boolean;
    phase: RunPhase | null;
    phaseDetail: string;
    progress: { step: number; totalSteps: number; epoch: number } | null;
    /** Decimated rows for the loss chart, republished at most a few times a second. */
    lossRows: LossRow[];
    evals: EvalPoint[];
    /** Live knob changes as the worker applied them, each with its step: the loss chart's markers. */
    knobChanges: HeardKnobChange[];
    result: RunResult | null;
    error: RunError | null;
    startedAt: number | null;
    /** The configuration the run started from: its results are labelled with it, and dimmed once the set-up changes. */
    config: ExperimentConfig | null;
  };
}

export interface UiSlice {
  /**
   * logLoss: the loss chart's y axis on a log scale (a recipe's terms differ by orders of magnitude).
   * wholeRun: the loss chart shows every step from 0; otherwise (the default) the recent steps,
   * scaled to their own range, where a change of T or kd_ratio shows.
   */
  ui: { smoothLoss: boolean; logLoss: boolean; wholeRun: boolean };
}

export type LabState = ConfigSlice & DatasetSlice & ModelSlice & BackendSlice & RunSlice & UiSlice & ExplorerSlice & LayerSlice;

// Shared empty lists: resetting a run that shows nothing yet does not redraw the charts.
const NO_ROWS: LossRow[] = [];
const NO_EVALS: EvalPoint[] = [];
const NO_KNOB_CHANGES: HeardKnobChange[] = [];

export function initialRun(): RunSlice['run'] {
  return {
    id: null,
    status: 'idle',
    pausing: false,
    finishing: false,
    phase: null,
    phaseDetail: '',
    progress: null,
    lossRows: NO_ROWS,
    evals: NO_EVALS,
    knobChanges: NO_KNOB_CHANGES,
    result: null,
    error: null,
    startedAt: null,
    config: null,
  };
}

const createConfigSlice = (config: ExperimentConfig): ConfigSlice => ({ config });
const createDatasetSlice = (): DatasetSlice => ({ datasets: {}, datasetUpload: { status: 'idle', message: '' }, savedDatasets: [], uploadImageSide: null });
const createModelSlice = (): ModelSlice => ({
  parameters: null,
  teacherIndex: { status: 'loading', cards: [], message: 'Loading the teacher catalog…' },
  uploadedTeacher: null,
  teacherUpload: { status: 'idle', message: '' },
  teacherTraining: null,
});
const createBackendSlice = (): BackendSlice => ({ backend: null, backendStarting: false });
const createRunSlice = (): RunSlice => ({ run: initialRun() });
const createUiSlice = (): UiSlice => ({ ui: { smoothLoss: true, logLoss: false, wholeRun: false } });

/** A fresh store (tests make their own; the app uses `labStore`). */
export function createLabStore(config: ExperimentConfig = DEFAULT_CONFIG): StoreApi<LabState> {
  return createStore<LabState>()(() => ({
    ...createConfigSlice(config),
    ...createDatasetSlice(),
    ...createModelSlice(),
    ...createBackendSlice(),
    ...createRunSlice(),
    ...createUiSlice(),
    ...createExplorerSlice(),
    ...createLayerSlice(),
  }));
}

export const labStore = createLabStore();

export function useLab<T>(selector: (state: LabState) => T): T {
  return useStore(labStore, selector);
}
