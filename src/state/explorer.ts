// Actions of the soft-label explorer and the run inspector: they ask the worker for teacher
// logits, the student's logits and misclassified test images, and keep the answers in the store.
import { teachersFor } from '../models/catalog';
import type { FromWorker, TeacherSource } from '../worker/protocol';
import { onWorkerMessage, sendToWorker } from './actions';
import { EXPLORER_TEMPERATURE_RANGE } from './explorerSlice';
import { CUSTOM_TEACHER } from './problems';
import { labStore, type LabState } from './store';

/** Test images whose teacher logits the explorer keeps (the dark-knowledge matrix averages them). */
export const EXPLORER_IMAGE_LIMIT = 1000;
/** Images of each class offered in the picker. */
export const EXPLORER_GRID_PER_CLASS = 4;

const get = () => labStore.getState();
const set = labStore.setState;

let teacherRequest = 0;
let studentRequest = 0;
let inspectRequest = 0;
let workersStarted = 0;

function setExplorer(patch: Partial<LabState['explorer']>): void {
  set((state) => ({ explorer: { ...state.explorer, ...patch } }));
}

export type ExplorerTeacher = { key: string; source: TeacherSource; label: string } | { key: null; problem: string };

/** The Lab's current dataset and teacher (shipped or loaded from disk), as the explorer uses them. */
export function explorerTeacher(state: Pick<LabState, 'config' | 'teacherIndex' | 'uploadedTeacher'>): ExplorerTeacher {
  const { dataset, teacher } = state.config;
  if (teacher === CUSTOM_TEACHER) {
    if (!state.uploadedTeacher) return { key: null, problem: 'Load your teacher on the Lab page first.' };
    // A new file of the same name is another teacher: its size tells most apart.
    return { key: `${dataset}|custom:${state.uploadedTeacher.name}:${state.uploadedTeacher.parameters}`, source: { kind: 'uploaded' }, label: `your teacher (${state.uploadedTeacher.name})` };
  }
  if (state.teacherIndex.status === 'loading') return { key: null, problem: 'Loading the teacher catalog…' };
  const card = teachersFor(state.teacherIndex.cards, dataset).find((c) => c.id === teacher);
  if (!card) return { key: null, problem: 'Pick a teacher for this dataset on the Lab page (or load your own).' };
  return { key: `${dataset}|${card.id}`, source: { kind: 'shipped', id: card.id }, label: card.label };
}

/** Ask for the teacher's logits on the test images, unless the explorer already has (or awaits) them. */
export function requestTeacherView(): void {
  const state = get();
  const teacher = explorerTeacher(state);
  const current = state.explorer.teacher;
  if (teacher.key === null) {
    setExplorer({ teacher: { key: '', status: 'failed', message: teacher.problem, view: null } });
    return;
  }
  if (current.key === teacher.key && (current.status === 'ready' || current.status === 'loading')) return;
  teacherRequest++;
  setExplorer({
    selected: 0,
    teacher: { key: teacher.key, status: 'loading', message: `Computing the logits of ${teacher.label} on the test images…`, view: null },
    student: { key: '', status: 'idle', student: null, logits: null, message: '' },
  });
  sendToWorker({
    type: 'teacherView',
    requestId: teacherRequest,
    dataset: state.config.dataset,
    teacher: teacher.source,
    limit: EXPLORER_IMAGE_LIMIT,
    perClass: EXPLORER_GRID_PER_CLASS,
  });
}

/** Ask for the latest student's logits on the picker's images (kept on screen while they refresh). */
export function requestStudentView(): void {
  const { explorer, config } = get();
  const { teacher, student } = explorer;
  if (teacher.status !== 'ready' || !teacher.view) return;
  studentRequest++;
  if (student.key !== teacher.key) setExplorer({ student: { key: teacher.key, status: 'loading', student: null, logits: null, message: '' } });
  sendToWorker({ type: 'studentView', requestId: studentRequest, dataset: config.dataset, indices: teacher.view.grid.map((image) => image.index) });
}

export function setExplorerTemperature(value: number): void {
  const { min, max } = EXPLORER_TEMPERATURE_RANGE;
  if (!Number.isFinite(value)) return;
  setExplorer({ temperature: Math.min(max, Math.max(min, value)) });
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
  inspectRequest++;
  if (pairs.length === 0) {
    set({ inspection: { runId, status: 'ready', pairs: [], message: '' } });
    return;
  }
  set({ inspection: { runId, status: 'loading', pairs: [], message: '' } });
  sendToWorker({ type: 'misclassified', requestId: inspectRequest, runId, pairs, limit });
}

/** A replacement worker knows nothing of the requests sent to the one before it. */
function recoverAfterRestart(): void {
  const { explorer, inspection } = get();
  if (explorer.teacher.status === 'loading') {
    setExplorer({ teacher: { ...explorer.teacher, status: 'idle' } });
    requestTeacherView();
  }
  if (inspection.status === 'loading') set({ inspection: { ...inspection, status: 'failed', message: 'The worker restarted: the student of this run is gone.' } });
}

function handleMessage(message: FromWorker): void {
  switch (message.type) {
    case 'backend':
      // Every worker announces its backend once; from the second on, it is a replacement.
      if (++workersStarted > 1) recoverAfterRestart();
      return;
    case 'teacherView': {
      if (message.requestId !== teacherRequest) return;
      const { teacher } = get().explorer;
      setExplorer({
        teacher: message.view
          ? { key: teacher.key, status: 'ready', message: '', view: message.view }
          : { key: teacher.key, status: 'failed', message: message.message, view: null },
      });
      if (message.view) requestStudentView();
      return;
    }
    case 'studentView': {
      if (message.requestId !== studentRequest) return;
      const { student } = get().explorer;
      setExplorer({
        student: { key: student.key, status: message.logits ? 'ready' : 'none', student: message.student, logits: message.logits, message: message.message },
      });
      return;
    }
    case 'misclassified': {
      if (message.requestId !== inspectRequest) return;
      set({
        inspection: message.pairs
          ? { runId: message.runId, status: 'ready', pairs: message.pairs, message: '' }
          : { runId: message.runId, status: 'failed', pairs: [], message: message.message },
      });
      return;
    }
    default:
      return;
  }
}

onWorkerMessage(handleMessage);
