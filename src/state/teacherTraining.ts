// "Train a teacher on this dataset": a first-class flow for datasets without a shipped teacher
// (the user's own files above all). The Lab trains the teacher architecture from hard labels
// (method none), then "Use as teacher" loads that network as the Lab's teacher and puts back
// the set-up the user had, with a distillation method, ready to distil.
import { ARCHITECTURE_SPECS } from '../models/architectureSpecs';
import { withMethod, usesTeacher, type ExperimentConfig } from '../train/config';
import type { RunResult } from '../train/runTypes';
import { labStudentFiles, loadLabStudentAsTeacher } from './labRunActions';
import { loadStudentAsTeacher } from './compareActions';
import { readTeacher, saveTeacher } from './datasetStore';
import { describeStorageError } from './runStore';
import { isUploadedDataset } from '../data/uploaded';
import { startRun } from './runLifecycle';
import { labStore } from './store';
import { CUSTOM_TEACHER } from './teacherChoice';

const get = () => labStore.getState();
const set = labStore.setState;

/** The teacher architecture a dataset's teacher is trained with. */
export const TEACHER_ARCHITECTURE = 'teacher-cnn';
/** At least this many epochs for a teacher (the shipped Digits teacher trained 30). */
export const TEACHER_EPOCHS = 15;

export function isTeacherArchitecture(id: string): boolean {
  return ARCHITECTURE_SPECS.some((arch) => arch.id === id && arch.role === 'teacher');
}

/** The set-up that trains the dataset's teacher: the teacher architecture from hard labels, the rest as it is. */
export function teacherRunConfig(config: ExperimentConfig): ExperimentConfig {
  const plain = withMethod(config, 'none');
  return { ...plain, student: TEACHER_ARCHITECTURE, epochs: Math.max(config.epochs, TEACHER_EPOCHS), trainLimit: undefined, omitClasses: undefined, labelledFraction: undefined };
}

/** Start training the teacher of the current dataset; the current set-up is kept to come back to. */
export function trainTeacher(): void {
  const { config } = get();
  set({ config: teacherRunConfig(config), teacherTraining: { returnTo: structuredClone(config) } });
  startRun();
}

/**
 * Load the ended teacher run's network as the Lab's teacher and go back to the set-up from
 * before, distilling from it (KD when that set-up trained from scratch). '' or why it failed.
 */
export async function distilFromTrainedTeacher(runId: string, result: RunResult): Promise<string> {
  const returnTo = get().teacherTraining?.returnTo ?? null;
  const message = await loadLabStudentAsTeacher(runId, result);
  if (message) return message;
  if (get().teacherUpload.status !== 'accepted') return get().teacherUpload.message;
  const trained = { testAccuracy: result.testAccuracy, valAccuracy: result.valAccuracy, testMpa: result.testMpa, epochs: result.config.epochs };
  // The teacher of one of the user's datasets is kept with it, so a reload finds both.
  let kept = '';
  const dataset = result.config.dataset;
  if (isUploadedDataset(dataset)) {
    const { files } = await labStudentFiles(runId);
    const name = get().uploadedTeacher?.name ?? 'teacher';
    if (files) {
      try {
        await saveTeacher({ dataset, name, files, trained });
      } catch (error) {
        kept = ` ${describeStorageError(error, 'Keeping this teacher in the browser')}`;
      }
    }
  }
  set((state) => {
    const back = returnTo && !isTeacherArchitecture(returnTo.student) ? returnTo : { ...state.config, student: 'tiny-cnn' };
    const distilling = usesTeacher(back) ? back : withMethod(back, 'kd');
    return {
      uploadedTeacher: state.uploadedTeacher ? { ...state.uploadedTeacher, trained } : null,
      config: { ...distilling, dataset: state.config.dataset, teacher: CUSTOM_TEACHER },
      teacherTraining: null,
    };
  });
  return kept.trim();
}

/** After one of the user's datasets is read again (a reload), the teacher trained for it is loaded with it. */
export async function restoreTrainedTeacher(dataset: string): Promise<void> {
  const state = get();
  if (state.config.dataset !== dataset || state.config.teacher !== CUSTOM_TEACHER || state.uploadedTeacher) return;
  let saved;
  try {
    saved = await readTeacher(dataset);
  } catch {
    return; // no storage: nothing was kept
  }
  if (!saved) return;
  await loadStudentAsTeacher(saved.files, saved.name.replace(/\.json$/, ''));
  if (get().teacherUpload.status === 'accepted') set((s) => ({ uploadedTeacher: s.uploadedTeacher ? { ...s.uploadedTeacher, trained: saved.trained } : null }));
}
