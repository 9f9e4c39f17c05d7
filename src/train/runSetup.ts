// What a run needs before its first step, built once for the worker and the CLI: the
// configuration checked against the real transfer set (the trust boundary), the transfer set and
// the val / test limits as views of the splits on the device, the student, and the shipped
// teacher's logits for exactly the samples the run trains on.
import type * as tfl from '@tensorflow/tfjs-layers';
import { transferIndices } from '../data/split';
import { disposeSplit, firstSamples, selectSplit, type DeviceSplit } from '../data/device';
import type { DatasetInfo } from '../data/types';
import { getArchitecture } from '../models/architectures';
import { inputSizeProblem } from '../models/architectureSpecs';
import { logitRows, type ShippedLogits } from '../models/shippedLogits';
import { usesTeacher, validateConfig, type ExperimentConfig } from './config';
import type { RunData } from './runTypes';

/** A dataset whose whole splits are on the device. */
export interface DeviceDataset {
  info: DatasetInfo;
  train: DeviceSplit;
  val: DeviceSplit;
  test: DeviceSplit;
}

export interface RunSetup {
  data: RunData;
  student: tfl.LayersModel;
  /** The shipped teacher's logits for data.train's samples, in order; null: the loop computes them. */
  teacherLogits: Float32Array | null;
  /** Why there are no shipped logits for this run, or how many rows came with the teacher. */
  logitsNote: string;
  /** Free the views made for the run (not the student, not the dataset). */
  release(): void;
}

/**
 * The run's student before its first step, from config.seed: any architecture (the CLI trains the
 * shipped teachers this way). Built again, it is the same network with the same weights (the
 * matched view's picture of a run's start, runWindow.ts).
 */
export function buildStudent(config: Pick<ExperimentConfig, 'student' | 'seed'>, info: Pick<DatasetInfo, 'inputShape' | 'numClasses'>): tfl.LayersModel {
  return getArchitecture(config.student).build(info.inputShape, info.numClasses, config.seed);
}

export async function setUpRun(options: {
  config: ExperimentConfig;
  dataset: DeviceDataset;
  teacher: tfl.LayersModel | null;
  /** The shipped teacher's logits for the whole training split, when the teacher is a shipped one. */
  shippedLogits?: () => Promise<ShippedLogits>;
}): Promise<RunSetup> {
  const { config, dataset, teacher } = options;
  // The transfer set: omitted classes left out, then the first trainLimit samples.
  const positions = transferIndices(dataset.train.hostLabels, config.omitClasses, config.trainLimit);
  const problem = validateConfig(config, positions?.length ?? dataset.train.count)[0];
  if (problem) throw new Error(problem.message);
  if (usesTeacher(config) && !teacher) throw new Error(`Method "${config.method}" needs a teacher`);
  const tooSmall = inputSizeProblem(getArchitecture(config.student), dataset.info.inputShape);
  if (tooSmall) throw new Error(`${dataset.info.name}: ${tooSmall}`);
  const made: DeviceSplit[] = [];
  const view = (split: DeviceSplit, next: DeviceSplit) => {
    if (next !== split) made.push(next);
    return next;
  };
  const release = () => made.forEach((split) => disposeSplit(split));
  try {
    const data: RunData = {
      info: dataset.info,
      train: view(dataset.train, positions ? selectSplit(dataset.train, positions) : dataset.train),
      val: view(dataset.val, firstSamples(dataset.val, config.valLimit) ?? dataset.val),
      test: view(dataset.test, firstSamples(dataset.test, config.testLimit) ?? dataset.test),
    };
    // Augmented images are not the ones the logits were computed on.
    let teacherLogits: Float32Array | null = null;
    let logitsNote = teacher ? 'to compute (no shipped logits for this teacher)' : '';
    if (teacher && options.shippedLogits) {
      if (config.augment) logitsNote = 'computed live (augmentation changes every image)';
      else {
        const shipped = await options.shippedLogits();
        if (shipped.logits) {
          teacherLogits = logitRows(shipped.logits, shipped.meta.numClasses, positions);
          logitsNote = `${data.train.count} shipped with the teacher`;
        } else logitsNote = `to compute (${shipped.reason})`;
      }
    }
    const student = buildStudent(config, dataset.info);
    return { data, student, teacherLogits, logitsNote, release };
  } catch (error) {
    release();
    throw error;
  }
}
