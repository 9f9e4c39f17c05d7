// Teachers on the page: the shipped catalogue (teachers/index.json), the choice kept fitting the
// dataset, and a teacher loaded from disk (checked by the worker, which keeps it).
import { teachersFor, TEACHERS_INDEX, type TeacherCard } from '../models/catalog';
import { labDoor } from './door';
import { CUSTOM_TEACHER } from './teacherChoice';
import { labStore } from './store';
import { errorMessage } from '../core/errors';

const get = () => labStore.getState();
const set = labStore.setState;

export function appBaseUrl(): string {
  return new URL(import.meta.env.BASE_URL, window.location.href).href;
}

export async function loadTeacherIndex(): Promise<void> {
  try {
    const response = await fetch(new URL(TEACHERS_INDEX, appBaseUrl()));
    const type = response.headers.get('content-type') ?? '';
    // A dev server answers a missing file with index.html: only JSON counts.
    if (!response.ok || !type.includes('json')) throw new Error(`HTTP ${response.status}`);
    const cards = (await response.json()) as TeacherCard[];
    if (!Array.isArray(cards)) throw new Error('not a list');
    set({ teacherIndex: { status: 'ready', cards, message: cards.length ? '' : 'The teacher catalog is empty.' } });
  } catch {
    set({
      teacherIndex: {
        status: 'missing',
        cards: [],
        message: `No pretrained teachers found (${TEACHERS_INDEX} is missing). Load your own teacher or use method "none".`,
      },
    });
  }
  reconcileTeacher();
}

/** Keep the chosen teacher one that fits the dataset (a URL or a dataset change may break that). */
export function reconcileTeacher(): void {
  const { config, teacherIndex, uploadedTeacher } = get();
  if (config.teacher === CUSTOM_TEACHER && uploadedTeacher) return;
  if (teacherIndex.status === 'loading') return;
  const fitting = teachersFor(teacherIndex.cards, config.dataset);
  if (fitting.some((card) => card.id === config.teacher)) return;
  if (fitting.length > 0) set((state) => ({ config: { ...state.config, teacher: fitting[0].id } }));
}

/** Send model.json and its weight files to the worker, which loads and checks them. */
export async function uploadTeacher(files: readonly File[]): Promise<void> {
  const modelFile = files.find((file) => file.name.endsWith('.json'));
  if (!modelFile) {
    set({ teacherUpload: { status: 'refused', message: 'Pick the model.json together with its weight files (.bin).' } });
    return;
  }
  const weightFiles = files.filter((file) => file !== modelFile);
  set({ teacherUpload: { status: 'checking', message: `Checking ${modelFile.name}…` } });
  // Not read here: a 100 MB model.json read and parsed on the page's thread froze it for seconds.
  try {
    const fit = await labDoor().request('checkTeacher', { dataset: get().config.dataset, teacher: { kind: 'files', modelFile, weightFiles } });
    set((state) => ({
      uploadedTeacher: { name: modelFile.name, parameters: fit.parameters, inputShape: fit.inputShape, numClasses: fit.numClasses },
      teacherUpload: { status: 'accepted', message: fit.message },
      config: { ...state.config, teacher: CUSTOM_TEACHER },
    }));
  } catch (error) {
    set({ teacherUpload: { status: 'refused', message: errorMessage(error) } });
  }
}

/** A fresh worker has no uploaded teacher: the page forgets it and says so. */
export function forgetUploadedTeacher(): void {
  set((state) => ({
    uploadedTeacher: null,
    teacherUpload: state.uploadedTeacher ? { status: 'idle', message: 'The worker restarted: load your teacher again.' } : state.teacherUpload,
  }));
}
