// "Train a teacher on this dataset": a first-class flow for datasets without a shipped teacher
// (the user's own files above all). The Lab trains the teacher architecture from hard labels
// (method none), then "Use as teacher" loads that network as the Lab's teacher and puts back
// the set-up the user had, with a distillation method, ready to distil.
import { isTeacherArchitecture } from '../models/architectureSpecs';
import { withMethod, usesTeacher, type ExperimentConfig } from '../train/config';
import type { RunResult } from '../train/runTypes';
import { labStudentFiles, loadLabStudentAsTeacher } from './labRunActions';
import { loadStudentAsTeacher } from './studentFiles';
import { readTeacher, saveTeacher } from './datasetStore';
import { describeStorageError } from './runStore';
import { isUploadedDataset } from '../data/uploaded';
import { startRun } from './runLifecycle';
import { labStore } from './store';
import { CUSTOM_TEACHER } from './teacherChoice';

const get = () => labStore.getState();
const set = labStore.setState;

/** The teacher architecture a dataset's teacher is trained with unless the user picks another. */
export const TEACHER_ARCHITECTURE = 'teacher-cnn';
/** The architectures "Train a teacher" offers, the default first. */
export const TEACHER_ARCHITECTURES: readonly string[] = ['teacher-cnn', 'teacher-resnet'];
/** At least this many epochs for a teacher (the shipped Digits teacher trained 30). */
export const TEACHER_EPOCHS = 15;

/**
 * What each offered architecture costs, in one line. Measured in Node on 32×32×3 batches of 64,
 * one Adam step (forward and backward), the median of 25 steps each, the two alternated: cpu
 * backend with the lab's kernels, teacher-cnn 0.90-0.97 s, teacher-resnet 2.7-2.8 s (2.9-3.0×);
 * wasm backend 78 ms and 287 ms (3.7×); 40 steps of the CLI's whole loop on CIFAR-10 (wasm),
 * 5.0 s and 14.2 s (2.8×). 532,202 and 77,706 parameters with 10 classes: the residual teacher
 * computes more per image (its convs run at 32×32 and 16×16 with up to 64 channels) while
 * teacher-cnn's weights sit in its 2,048→256 dense layer.
 */
export const TEACHER_COST_NOTES: Readonly<Record<string, string>> = {
  'teacher-cnn': 'Two conv blocks and a wide dense layer: the quicker teacher to train.',
  'teacher-resnet': 'Three residual blocks: about 3× slower per step than teacher-cnn, with 78k parameters to its 532k on 32×32 colour.',
};


/**
 * The architecture "Train a teacher" suggests for a dataset's image shape: the residual one for
 * 32×32 colour, the shape it was designed for (CIFAR's); teacher-cnn, the shipped teachers'
 * architecture and the quicker one, otherwise or while the shape is not known yet.
 */
export function suggestedTeacherArchitecture(inputShape: readonly (number | null)[] | undefined): string {
  const [height, width, channels] = inputShape ?? [];
  return height === 32 && width === 32 && channels === 3 ? 'teacher-resnet' : TEACHER_ARCHITECTURE;
}

/** The set-up that trains the dataset's teacher: the teacher architecture from hard labels, the rest as it is. */
export function teacherRunConfig(config: ExperimentConfig, architecture: string = TEACHER_ARCHITECTURE): ExperimentConfig {
  if (!TEACHER_ARCHITECTURES.includes(architecture)) throw new Error(`"${architecture}" is not a teacher architecture (known: ${TEACHER_ARCHITECTURES.join(', ')})`);
  const plain = withMethod(config, 'none');
  return { ...plain, student: architecture, epochs: Math.max(config.epochs, TEACHER_EPOCHS), trainLimit: undefined, omitClasses: undefined, labelledFraction: undefined };
}

/** Start training the teacher of the current dataset; the current set-up is kept to come back to. */
export function trainTeacher(architecture: string = TEACHER_ARCHITECTURE): void {
  const { config } = get();
  set({ config: teacherRunConfig(config, architecture), teacherTraining: { returnTo: structuredClone(config) } });
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
