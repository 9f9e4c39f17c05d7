// The Lab run's record in the run database: checkpointed while it trains (so a page closed or
// crashed mid-run leaves an "interrupted" record), saved with its curves and student when it
// ends, its checkpoint dropped when it ends with nothing to keep.
import type { ExperimentConfig } from '../train/config';
import { runLabel } from './results';
import { compareStore } from './compare';
import { persist, refreshSavedRuns } from './savedRuns';
import { exportStudent } from './studentFiles';
import { decimate, deleteRun, describeStorageError, SAVED_CURVE_POINTS, saveCheckpoint, type SavedStudentRun } from './runStore';
import { isActive, labStore, type LabState } from './store';

const set = compareStore.setState;

let initialised = false;

/** A Lab run is checkpointed at most this often while it trains. */
export const CHECKPOINT_EVERY_MS = 5000;
let lastCheckpoint: { runId: string; at: number } | null = null;
/** Runs whose end has been heard: a late checkpoint must not overwrite their final record. */
const endedRuns = new Set<string>();
/** The configuration each Lab run was started with (the Lab's knobs may change while it trains). */
const labRunConfigs = new Map<string, ExperimentConfig>();

/** The running Lab run as a checkpoint record: config, curves so far and the step reached. */
export function labCheckpoint(run: LabState['run'], config: ExperimentConfig, now: number): SavedStudentRun | null {
  if (!run.id || !run.progress) return null;
  return {
    id: run.id,
    label: `${runLabel(config)} (Lab)`,
    savedAt: now,
    source: 'lab',
    config,
    kind: 'student',
    result: null,
    curves: { loss: decimate(run.lossRows.map((row) => ({ step: row.step, ce: row.ce, kd: row.kd, total: row.total })), SAVED_CURVE_POINTS), evals: run.evals },
    student: null,
    interrupted: { step: run.progress.step, totalSteps: run.progress.totalSteps },
  };
}

/** Write the running Lab run's checkpoint at its first progress, then whenever the last one is CHECKPOINT_EVERY_MS old. */
function checkpointLabRun(runId: string): void {
  const now = Date.now();
  if (endedRuns.has(runId)) return;
  if (lastCheckpoint?.runId === runId && now - lastCheckpoint.at < CHECKPOINT_EVERY_MS) return;
  const { run } = labStore.getState();
  const config = labRunConfigs.get(runId);
  const record = run.id === runId && config ? labCheckpoint(run, config, now) : null;
  if (!record) return;
  lastCheckpoint = { runId, at: now };
  saveCheckpoint(record).catch((error: unknown) => set({ storageError: describeStorageError(error, 'Checkpointing the running run') }));
}

/** A run that ended without a result to keep (stopped before its first step, failed): its checkpoint goes. */
function dropCheckpoint(runId: string): void {
  endedRuns.add(runId);
  deleteRun(runId).catch(() => {});
}

/** Save a run the Lab page finished, with its curves and its student. */
async function saveLabRun(runId: string): Promise<void> {
  const { run } = labStore.getState();
  if (run.id !== runId || !run.result || run.result.status === 'error') return;
  const { result } = run;
  // Stopped before its first step (while the teacher was cached): nothing was trained, nothing to keep.
  if (result.steps === 0) {
    dropCheckpoint(runId);
    return;
  }
  const loss = decimate(
    run.lossRows.map((row) => ({ step: row.step, ce: row.ce, kd: row.kd, total: row.total })),
    SAVED_CURVE_POINTS,
  );
  const files = await exportStudent(runId);
  const saved = await persist(
    {
      id: runId,
      label: `${runLabel(result.config)} (Lab)`,
      savedAt: Date.now(),
      source: 'lab',
      config: result.config,
      kind: 'student',
      result,
      curves: { loss, evals: run.evals },
      student: files.files,
    },
    null,
  );
  // The run ended, so its checkpoint would call it interrupted: it goes too (the user was told why nothing was kept).
  if (!saved) dropCheckpoint(runId);
}

/** Start listening (Lab runs are checkpointed while they train, saved when they end) and read the saved runs. Called once at start-up. */
export function initCompare(): void {
  if (initialised) return;
  initialised = true;
  labStore.subscribe((state, previous) => {
    const { run } = state;
    if (run.id && run.id !== previous.run.id) labRunConfigs.set(run.id, structuredClone(state.config));
    if (!run.id || (run.progress === previous.run.progress && run.status === previous.run.status)) return;
    // The store says what the worker said of the Lab's run: progress is checkpointed, the end saved or dropped.
    if (isActive(run.status)) {
      if (run.progress && run.progress !== previous.run.progress) checkpointLabRun(run.id);
    } else if (run.status !== previous.run.status || run.id !== previous.run.id) {
      if (run.status === 'error' || (run.status === 'stopped' && !run.result)) dropCheckpoint(run.id);
      else if (run.status === 'done' || run.status === 'stopped') {
        endedRuns.add(run.id);
        void saveLabRun(run.id);
      }
    }
  });
  void refreshSavedRuns();
}
