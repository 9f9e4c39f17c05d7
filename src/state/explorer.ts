// Actions of the soft-label explorer and the run inspector: they ask the worker for teacher
// logits, the student's logits and misclassified test images, and keep the answers in the store.
import { SUPERSEDED, WorkerGone } from '../worker/door';
import { labDoor } from './door';
import { errorMessage } from '../core/errors';
import { EXPLORER_TEMPERATURE_RANGE } from './explorerSlice';
import { settledTeacher } from './teacherChoice';
import { isActive, labStore, type LabState } from './store';
import { setParam } from './configActions';

/** Test images whose teacher logits the explorer keeps (the dark-knowledge matrix averages them). */
export const EXPLORER_IMAGE_LIMIT = 1000;
/** Images of each class offered in the picker. */
export const EXPLORER_GRID_PER_CLASS = 4;

const get = () => labStore.getState();
const set = labStore.setState;

function setExplorer(patch: Partial<LabState['explorer']>): void {
  set((state) => ({ explorer: { ...state.explorer, ...patch } }));
}

/** Ask for the teacher's logits on the test images, unless the explorer already has (or awaits) them. */
export function requestTeacherView(): void {
  const state = get();
  const teacher = settledTeacher(state);
  const current = state.explorer.teacher;
  if (teacher.key === null) {
    setExplorer({ teacher: { key: '', status: 'failed', message: teacher.problem, view: null } });
    return;
  }
  if (current.key === teacher.key && (current.status === 'ready' || current.status === 'loading')) return;
  setExplorer({
    selected: 0,
    teacher: { key: teacher.key, status: 'loading', message: `Computing the logits of ${teacher.label} on the test images…`, view: null },
    student: { key: '', status: 'idle', student: null, logits: null, message: '' },
  });
  labDoor()
    .latest('teacherView', 'teacherView', { dataset: state.config.dataset, teacher: teacher.source, limit: EXPLORER_IMAGE_LIMIT, perClass: EXPLORER_GRID_PER_CLASS })
    .then(
      (view) => {
        if (view === SUPERSEDED) return;
        setExplorer({ teacher: { key: teacher.key, status: 'ready', message: '', view } });
        requestStudentView();
      },
      (error: unknown) => {
        // A dead worker's request is asked again of its replacement (recoverAfterRestart).
        if (!(error instanceof WorkerGone)) setExplorer({ teacher: { key: teacher.key, status: 'failed', message: errorMessage(error), view: null } });
      },
    );
}

/** Ask for the latest student's logits on the picker's images (kept on screen while they refresh). */
export function requestStudentView(): void {
  const { explorer, config } = get();
  const { teacher, student } = explorer;
  if (teacher.status !== 'ready' || !teacher.view) return;
  if (student.key !== teacher.key) setExplorer({ student: { key: teacher.key, status: 'loading', student: null, logits: null, message: '' } });
  const key = teacher.key;
  labDoor()
    .latest('studentView', 'studentView', { dataset: config.dataset, indices: teacher.view.grid.map((image) => image.index) })
    .then(
      (answer) => {
        if (answer === SUPERSEDED) return;
        setExplorer({ student: { key, status: answer.logits ? 'ready' : 'none', student: answer.student, logits: answer.logits, message: answer.message } });
      },
      (error: unknown) => setExplorer({ student: { key, status: 'none', student: null, logits: null, message: errorMessage(error) } }),
    );
}

export function setExplorerTemperature(value: number): void {
  const { min, max } = EXPLORER_TEMPERATURE_RANGE;
  if (!Number.isFinite(value)) return;
  const temperature = Math.min(max, Math.max(min, value));
  setExplorer({ temperature });
  // Side by side with a run that trains: the same T reaches its loss, and the student column shows what it does.
  if (runTakesTemperature(get()) && get().explorer.steerRun) setParam('temperature', temperature, 'slider');
}

/** Whether a Lab run is training a method with a temperature (one the explorer's slider can steer). */
export function runTakesTemperature(state: LabState): boolean {
  return isActive(state.run.status) && state.config.params.temperature !== undefined;
}

export function setSteerRun(on: boolean): void {
  setExplorer({ steerRun: on });
}

export function selectExplorerImage(position: number): void {
  const count = get().explorer.teacher.view?.grid.length ?? 0;
  if (count === 0) return;
  setExplorer({ selected: Math.min(count - 1, Math.max(0, position)) });
}

/** Ask for test images that the student of `runId` gets wrong, for each (actual, predicted) pair. */
export function requestMisclassified(runId: string, pairs: { actual: number; predicted: number }[], limit: number): void {
  const current = get().inspection;
  if (current.runId === runId && current.status !== 'idle') return;
  if (pairs.length === 0) {
    set({ inspection: { runId, status: 'ready', pairs: [], message: '' } });
    return;
  }
  set({ inspection: { runId, status: 'loading', pairs: [], message: '' } });
  labDoor()
    .latest('misclassified', 'misclassified', { runId, pairs, limit })
    .then(
      (found) => {
        if (found !== SUPERSEDED) set({ inspection: { runId, status: 'ready', pairs: found, message: '' } });
      },
      (error: unknown) => {
        const message = error instanceof WorkerGone ? 'The worker restarted: the student of this run is gone.' : errorMessage(error);
        set({ inspection: { runId, status: 'failed', pairs: [], message } });
      },
    );
}

/** A replacement worker knows nothing of the requests sent to the one before it. */
function recoverAfterRestart(): void {
  const { explorer } = get();
  if (explorer.teacher.status === 'loading') {
    setExplorer({ teacher: { ...explorer.teacher, status: 'idle' } });
    requestTeacherView();
  }
}

/** Re-ask what a dead worker took with it (once, at start-up). */
export function startExplorer(): void {
  labDoor().onRestart(recoverAfterRestart);
}
