// The saved runs (the run database, runStore.ts) as the Compare page shows them: saving a run with
// its failure shown, reading and deleting them, and bringing one back into the comparison.
import { configurationKey } from './results';
import { compareStore, type CompareEntry } from './compare';
import { emptyEntry, patchEntry } from './compareEntry';
import { deleteRun, describeStorageError, listRuns, saveRun, type SavedRun, type SavedStudentRun } from './runStore';

const get = () => compareStore.getState();
const set = compareStore.setState;

/** Save a run; a failure is shown to the user (never swallowed) and the queue goes on. Resolves with whether it was saved. */
export async function persist(run: SavedRun, entryId: string | null): Promise<boolean> {
  try {
    await saveRun(run);
    if (entryId) patchEntry(entryId, { savedId: run.id });
    set((state) => ({ saved: { ...state.saved, runs: [...state.saved.runs.filter((r) => r.id !== run.id), run] } }));
    return true;
  } catch (error) {
    set({ storageError: describeStorageError(error, `Saving "${run.label}"`) });
    return false;
  }
}

export async function refreshSavedRuns(): Promise<void> {
  try {
    const runs = await listRuns();
    set({ saved: { status: 'ready', runs, message: '' } });
  } catch (error) {
    const message = describeStorageError(error, 'Reading the saved runs');
    set({ saved: { status: 'failed', runs: [], message }, storageError: message });
  }
}

export async function deleteSavedRun(id: string): Promise<void> {
  try {
    await deleteRun(id);
    set((state) => ({
      saved: { ...state.saved, runs: state.saved.runs.filter((run) => run.id !== id) },
      entries: state.entries.filter((entry) => !(entry.origin === 'saved' && entry.savedId === id)),
    }));
  } catch (error) {
    set({ storageError: describeStorageError(error, 'Deleting the saved run') });
  }
}

export function dismissStorageError(): void {
  set({ storageError: null });
}

/** What a checkpoint says about its run: where it got to, and that it did not end on its own. */
export function interruptedText(run: Pick<SavedStudentRun, 'interrupted'>): string {
  const reached = run.interrupted ? `${run.interrupted.step.toLocaleString('en')} of ${run.interrupted.totalSteps.toLocaleString('en')}` : '?';
  return `interrupted at step ${reached}: the page was closed, reloaded or crashed while it trained (its student was not kept)`;
}

/** A short stable name for a text (djb2), for ids shown in the exports. */
function shortHash(text: string): string {
  let hash = 5381;
  for (let i = 0; i < text.length; i++) hash = ((hash * 33) ^ text.charCodeAt(i)) >>> 0;
  return hash.toString(36);
}

function entryFromSaved(run: SavedRun): CompareEntry {
  // Saved runs of one configuration and label (the seeds of a comparison) are shown as one group.
  const group = run.kind === 'teacher' ? `saved-${run.id}` : `saved-${shortHash(`${run.label}\n${configurationKey(run.config)}`)}`;
  const entry = emptyEntry(`saved-${run.id}`, run.label, run.kind, run.config, group);
  entry.origin = 'saved';
  entry.savedId = run.id;
  entry.progress = 1;
  if (run.kind === 'teacher') {
    entry.status = 'done';
    entry.teacher = { evaluation: run.evaluation, parameters: run.parameters, seconds: run.seconds };
  } else {
    entry.status = run.result?.status ?? 'stopped';
    entry.result = run.result;
    if (!run.result) entry.error = interruptedText(run);
    entry.curves = run.curves;
    entry.student = run.student;
    if (!run.student) entry.studentMessage = 'This run was saved without its student.';
  }
  return entry;
}

/** Show a saved run in the comparison (table and curves), or take it out again. */
export function toggleSavedInComparison(id: string): void {
  const state = get();
  if (state.entries.some((entry) => entry.origin === 'saved' && entry.savedId === id)) {
    set({ entries: state.entries.filter((entry) => !(entry.origin === 'saved' && entry.savedId === id)) });
    return;
  }
  const run = state.saved.runs.find((r) => r.id === id);
  if (run) set({ entries: [...state.entries, entryFromSaved(run)] });
}
