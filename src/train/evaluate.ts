// Evaluation of a trained network on the device splits: plain predictions, test-time augmentation
// (the mean softmax over the image and its shifts by ±s pixels along x and y), and the teacher's
// row of a comparison table.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { paddedIndexBatches, type DeviceSplit } from '../data/device';
import { shiftAll } from '../data/augment';
import { predictLogits } from './teacherCache';
import { evaluatePredictions, type Evaluation } from './metrics';
import type { RunData } from './runTypes';

/** The five TTA views as (dy, dx): the image, then ±shift along x and ±shift along y. */
export function ttaOffsets(shift: number): [number, number][] {
  if (shift === 0) return [[0, 0]];
  return [
    [0, 0],
    [0, shift],
    [0, -shift],
    [shift, 0],
    [-shift, 0],
  ];
}

function checkShift(shift: number): void {
  if (!Number.isInteger(shift) || shift < 0) throw new Error(`TTA shift must be a whole number of pixels of at least 0 (got ${shift})`);
}

/**
 * The TTA class probabilities of a batch: softmax of the logits averaged over the views of
 * ttaOffsets(shift), each view the images translated with zeros filling the border.
 */
export function ttaProbabilities(model: tfl.LayersModel, images: tf.Tensor4D, shift: number): tf.Tensor2D {
  checkShift(shift);
  return tf.tidy(() => {
    const views = ttaOffsets(shift).map(([dy, dx]) => {
      const view = dy === 0 && dx === 0 ? images : shiftAll(images, dy, dx);
      return tf.softmax(predictLogits(model, view));
    });
    return tf.div(tf.addN(views), views.length) as tf.Tensor2D;
  });
}

/** Thrown by an evaluation whose `interrupted` check said yes between two batches. */
export class EvaluationInterrupted extends Error {
  constructor() {
    super('The evaluation was interrupted');
    this.name = 'EvaluationInterrupted';
  }
}

/**
 * An evaluation that a Stop can end: `interrupted` is asked before every batch, and a macrotask
 * turn is taken every YIELD_EVERY_MS so a worker hears the Stop message at all (on the cpu
 * backend data() resolves without one).
 */
export interface Interruptible {
  interrupted?: () => boolean;
}

const YIELD_EVERY_MS = 50;

/**
 * Predicted classes on a split, in fixed-size batches: argmax of the logits when shift is 0 (the
 * plain prediction), else argmax of ttaProbabilities. Throws EvaluationInterrupted when
 * `interrupted` says yes before a batch.
 */
export async function predictWithTta(
  model: tfl.LayersModel,
  split: DeviceSplit,
  shift: number,
  batchSize: number,
  { interrupted }: Interruptible = {},
): Promise<Int32Array> {
  checkShift(shift);
  const predictions = new Int32Array(split.count);
  let lastYield = -Infinity; // the first batch yields: a Stop already on its way is heard at once
  for (const batch of paddedIndexBatches(split.count, Math.min(batchSize, Math.max(split.count, 1)))) {
    if (interrupted) {
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
      if (interrupted()) throw new EvaluationInterrupted();
    }
    const classes = tf.tidy(() => {
      const images = split.images.gather(batch.indices);
      return tf.argMax(shift === 0 ? predictLogits(model, images) : ttaProbabilities(model, images, shift), 1);
    });
    const values = await classes.data();
    classes.dispose();
    const start = batch.indices[0];
    for (let i = 0; i < batch.valid; i++) predictions[start + i] = values[i];
  }
  return predictions;
}

/** A frozen network's scores on val and test: what the comparison table shows for the teacher. */
export interface TeacherEvaluation {
  valAccuracy: number;
  valMpa: number;
  testAccuracy: number;
  testMpa: number;
  /** With test-time augmentation; null when it is off (ttaShift 0 or absent). */
  testAccuracyTta: number | null;
  testMpaTta: number | null;
  /** Test, without TTA. */
  perClassAccuracy: number[];
  confusion: number[][];
}

export async function evaluateTeacher(
  teacher: tfl.LayersModel,
  data: RunData,
  options: { ttaShift?: number; batchSize?: number } = {},
): Promise<TeacherEvaluation> {
  const shift = options.ttaShift ?? 0;
  const batchSize = options.batchSize ?? 256;
  const numClasses = data.info.numClasses;
  const val = evaluatePredictions(data.val.hostLabels, await predictWithTta(teacher, data.val, 0, batchSize), numClasses);
  const test = evaluatePredictions(data.test.hostLabels, await predictWithTta(teacher, data.test, 0, batchSize), numClasses);
  const tta = shift > 0 ? evaluatePredictions(data.test.hostLabels, await predictWithTta(teacher, data.test, shift, batchSize), numClasses) : null;
  return {
    valAccuracy: val.accuracy,
    valMpa: val.mpa,
    testAccuracy: test.accuracy,
    testMpa: test.mpa,
    testAccuracyTta: tta ? tta.accuracy : null,
    testMpaTta: tta ? tta.mpa : null,
    perClassAccuracy: test.perClassAccuracy,
    confusion: test.confusion,
  };
}

/** The student's predicted classes on a split, in fixed-size batches (no test-time augmentation). */
export function predictClasses(model: tfl.LayersModel, split: DeviceSplit, batchSize: number, options: Interruptible = {}): Promise<Int32Array> {
  return predictWithTta(model, split, 0, batchSize, options);
}

export async function evaluateModel(model: tfl.LayersModel, split: DeviceSplit, numClasses: number, batchSize = 256, options: Interruptible = {}): Promise<Evaluation> {
  const predictions = await predictClasses(model, split, batchSize, options);
  return evaluatePredictions(split.hostLabels, predictions, numClasses);
}
