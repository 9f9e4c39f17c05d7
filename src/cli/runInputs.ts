// A CLI run's inputs (docs/ARCHITECTURE.md §4.3): the dataset (a shipped one or the user's files),
// the teacher (a shipped one or a folder), each checked against the other, and the run set up on
// the device as the worker sets it up: the whole splits uploaded, the run's views made of them.
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadBuiltinDataset } from '../data/load';
import { disposeSplit, uploadSplit } from '../data/device';
import { omittedClassesProblem } from '../data/split';
import type { Dataset, DatasetInfo } from '../data/types';
import { teacherMismatch } from '../models/catalog';
import { loadShippedLogits, trainSplitFingerprint } from '../models/shippedLogits';
import { usesTeacher } from '../train/config';
import { setUpRun, type RunSetup } from '../train/runSetup';
import type { CliOptions } from './args';
import { readDatasetPath } from './datasetFile';
import type { CliIo } from './io';
import { fetchPublicFile, loadModelFromDir, readTeacherIndex, shippedTeacherDir } from './nodeFiles';

export interface RunInputs {
  info: DatasetInfo;
  teacher: tfl.LayersModel | null;
  setup: RunSetup;
  /** Frees the run's views and the uploaded splits (not the student, not the teacher). */
  release(): void;
}

/** The dataset, with its progress on a terminal; --omit-classes is checked against a user's data once it is read. */
async function readDataset(options: CliOptions, io: CliIo): Promise<Dataset> {
  const { config } = options;
  if (!options.datasetFile) return loadBuiltinDataset(config.dataset, fetchPublicFile);
  const showProgress = !options.quiet && io.stderr.isTTY;
  const dataset = await readDatasetPath(
    options.datasetFile,
    options.datasetFormat,
    (progress) => {
      if (showProgress) io.stderr.write(`\r${progress.message} ${(progress.fraction * 100).toFixed(0)}%   `);
    },
    options.imageSize,
  );
  if (showProgress) io.stderr.write('\r\x1b[2K');
  const omitProblem = config.omitClasses ? omittedClassesProblem(config.omitClasses, dataset.info) : null;
  if (omitProblem) throw new Error(`--omit-classes: ${omitProblem}`);
  return dataset;
}

/** The frozen teacher: a shipped one by id, or the folder --teacher names; it must fit the data. */
async function loadTeacher(options: CliOptions, info: DatasetInfo): Promise<tfl.LayersModel> {
  const { config } = options;
  const index = await readTeacherIndex();
  if (!options.teacherPath && !index.some((card) => card.id === config.teacher)) {
    const forDataset = index.filter((card) => card.dataset === config.dataset).map((card) => card.id);
    throw new Error(`--teacher: no shipped teacher "${config.teacher}" (for ${config.dataset}: ${forDataset.join(', ') || 'none'})`);
  }
  const teacher = await loadModelFromDir(options.teacherPath ?? shippedTeacherDir(config.teacher));
  const mismatch = teacherMismatch(teacher.inputs[0].shape, teacher.outputs[0].shape, info);
  if (mismatch) throw new Error(`--teacher: ${mismatch}`);
  teacher.trainable = false;
  return teacher;
}

export async function prepareRunInputs(options: CliOptions, io: CliIo): Promise<RunInputs> {
  const { config } = options;
  const dataset = await readDataset(options, io);
  const info = dataset.info;
  const teacher = usesTeacher(config) ? await loadTeacher(options, info) : null;
  // The whole splits go to the device; the run's transfer set and limits are views of them, as in the worker.
  const splits = {
    info,
    train: uploadSplit(dataset.train, info),
    val: uploadSplit(dataset.val, info),
    test: uploadSplit(dataset.test, info),
  };
  const freeSplits = () => {
    for (const split of [splits.train, splits.val, splits.test]) disposeSplit(split);
  };
  try {
    const setup = await setUpRun({
      config,
      dataset: splits,
      teacher,
      // A shipped teacher's training-split logits come with it: no teacher pass before the first step.
      shippedLogits: teacher && !options.teacherPath ? async () => loadShippedLogits(config.teacher, fetchPublicFile, { count: dataset.train.count, fingerprint: await trainSplitFingerprint(dataset.train) }) : undefined,
    });
    return {
      info,
      teacher,
      setup,
      release: () => {
        setup.release();
        freeSplits();
      },
    };
  } catch (error) {
    freeSplits();
    teacher?.dispose();
    throw error;
  }
}
