// The Lab's teacher as the worker takes it: a shipped one by id, or the one loaded from disk
// ('custom' in the configuration, 'uploaded' for the worker). One reading for the run, the
// comparison queue, the soft-label explorer and the layer pickers.
import { teachersFor, type TeacherCard } from '../models/catalog';
import type { ExperimentConfig } from '../train/config';
import type { TeacherSource } from '../worker/protocol';

/** The configuration's teacher id for the teacher loaded from disk. */
export const CUSTOM_TEACHER = 'custom';

/** The teacher `config` names, as the worker takes it (a loaded one is 'uploaded'); null when it names none. */
export function teacherSourceOf(config: Pick<ExperimentConfig, 'teacher'>): TeacherSource | null {
  if (!config.teacher) return null;
  return config.teacher === CUSTOM_TEACHER ? { kind: 'uploaded' } : { kind: 'shipped', id: config.teacher };
}

/** A teacher the worker can load now, with a key that changes when it does; or why there is none yet. */
export type SettledTeacher = { key: string; source: TeacherSource; label: string } | { key: null; problem: string };

/** The chosen teacher once it is settled: the file loaded from disk, or a shipped one the catalogue lists for the dataset. */
export function settledTeacher(state: {
  config: Pick<ExperimentConfig, 'dataset' | 'teacher'>;
  teacherIndex: { status: string; cards: TeacherCard[] };
  uploadedTeacher: { name: string; parameters: number } | null;
}): SettledTeacher {
  const { dataset, teacher } = state.config;
  if (teacher === CUSTOM_TEACHER) {
    if (!state.uploadedTeacher) return { key: null, problem: 'Load your teacher on the Lab page first.' };
    // A new file of the same name is another teacher: its size tells most apart.
    const { name, parameters } = state.uploadedTeacher;
    return { key: `${dataset}|custom:${name}:${parameters}`, source: { kind: 'uploaded' }, label: `your teacher (${name})` };
  }
  if (state.teacherIndex.status === 'loading') return { key: null, problem: 'Loading the teacher catalog…' };
  const card = teachersFor(state.teacherIndex.cards, dataset).find((c) => c.id === teacher);
  if (!card) return { key: null, problem: 'Pick a teacher for this dataset on the Lab page (or load your own).' };
  return { key: `${dataset}|${card.id}`, source: { kind: 'shipped', id: card.id }, label: card.label };
}
