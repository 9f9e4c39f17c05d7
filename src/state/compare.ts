// The Compare page's own store: the runs the user plans, the comparison they ran (or brought back
// from saved runs), the queue's progress and the saved runs. Changed only by the Compare page's
// actions (docs/ARCHITECTURE.md §2), each entry through compareEntry.ts.
import type { RaceStory } from './presets';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { ExperimentConfig } from '../train/config';
import type { TeacherEvaluation } from '../train/evaluate';
import type { RowStatus, SortDirection, SortKey } from './results';
import type { RunResult } from '../train/runTypes';
import type { RunCurves, SavedRun, StudentFiles } from './runStore';

/** A run waiting in the queue builder (not started yet). */
export interface PlannedRun {
  key: string;
  label: string;
  config: ExperimentConfig;
}

export interface TeacherScores {
  evaluation: TeacherEvaluation;
  parameters: number;
  seconds: number;
}

/** One row of the comparison: the teacher, the scratch baseline or a student run. */
export interface CompareEntry {
  id: string;
  /** Entries of one group are one planned configuration run over several seeds. */
  group: string;
  label: string;
  kind: 'teacher' | 'student';
  config: ExperimentConfig;
  status: RowStatus;
  /** What the running entry is doing (loading teacher, training, evaluating). */
  detail: string;
  /** 0..1 through the run. */
  progress: number;
  result: RunResult | null;
  teacher: TeacherScores | null;
  error: string | null;
  curves: RunCurves;
  /** The trained student, exported from the worker after its run. */
  student: StudentFiles | null;
  /** Why the student could not be exported, when it could not. */
  studentMessage: string;
  /** Where the row comes from: this queue, or a saved run brought back. */
  origin: 'queue' | 'saved';
  /** Its id in the run database once saved. */
  savedId: string | null;
}

export interface QueueState {
  status: 'idle' | 'running' | 'cancelling';
  /** Index in `entries` of the entry being run. */
  current: number;
  total: number;
  /** Why the queue could not start. */
  problem: string | null;
  /** When the last comparison started and ended (Date.now()), for its elapsed time. */
  startedAt?: number;
  endedAt?: number;
}

/** The baseline's name when nothing tells another story. */
export const BASELINE_LABEL = 'student from scratch';

/** The most seeds a comparison repeats each run over. */
export const MAX_SEEDS = 10;

export interface CompareState {
  planned: PlannedRun[];
  /** Each planned run (and the scratch baseline) is run over this many seeds: seed, seed + 1, … */
  seeds: number;
  /** What the student from scratch is called in this comparison ("Hard labels only" in the soft-vs-hard race). */
  baselineLabel: string;
  /** The comparison is a preset's race: shown as one, with its closing sentence (null: a plain comparison). */
  race: RaceStory | null;
  entries: CompareEntry[];
  queue: QueueState;
  /** Groups whose curves are hidden. */
  hidden: string[];
  sort: { key: SortKey; direction: SortDirection } | null;
  saved: { status: 'loading' | 'ready' | 'failed'; runs: SavedRun[]; message: string };
  /** The last storage failure (a save, a delete, the listing), shown until dismissed. */
  storageError: string | null;
}

export function createCompareStore(): StoreApi<CompareState> {
  return createStore<CompareState>()(() => ({
    planned: [],
    seeds: 1,
    baselineLabel: BASELINE_LABEL,
    race: null,
    entries: [],
    queue: { status: 'idle', current: -1, total: 0, problem: null },
    hidden: [],
    sort: null,
    saved: { status: 'loading', runs: [], message: '' },
    storageError: null,
  }));
}

export const compareStore = createCompareStore();

export function useCompare<T>(selector: (state: CompareState) => T): T {
  return useStore(compareStore, selector);
}
