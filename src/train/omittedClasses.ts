// Classes left out of the transfer set (Hinton, Vinyals & Dean 2015, §3): a student distilled
// without ever seeing a 3 still recognises most test 3s through the teacher's soft labels, and
// raising the logit bias of the 3 (the amount chosen on held-out data) recovers most of the rest
// (98.6 % of the test 3s in the paper). The teacher, the validation and the test splits keep
// every class; only the training (transfer) set loses them.
import type * as tfl from '@tensorflow/tfjs-layers';
import type { DeviceSplit } from '../data/device';
import { logitsAt } from './inspect';
import type { OmittedClassReport } from './runTypes';

/** The biases tried, 0 to 20 in steps of 0.25 (Hinton's was 3.5 on MNIST at T = 20). */
export const OMITTED_BIAS_GRID: readonly number[] = Array.from({ length: 81 }, (_, i) => i * 0.25);

/**
 * Accuracy of argmax(logits + bias on the omitted classes) over the rows whose label passes
 * `include` (all rows by default). Ties go to the lower class index, as argMax does.
 */
export function accuracyWithBias(
  logits: Float32Array,
  labels: ArrayLike<number>,
  numClasses: number,
  classes: readonly number[],
  bias: number,
  include: (label: number) => boolean = () => true,
): { accuracy: number; count: number } {
  const raised = new Set(classes);
  let correct = 0;
  let count = 0;
  for (let row = 0; row < labels.length; row++) {
    if (!include(labels[row])) continue;
    let best = 0;
    let bestValue = -Infinity;
    for (let c = 0; c < numClasses; c++) {
      const value = logits[row * numClasses + c] + (raised.has(c) ? bias : 0);
      if (value > bestValue) {
        bestValue = value;
        best = c;
      }
    }
    count++;
    if (best === labels[row]) correct++;
  }
  return { accuracy: count > 0 ? correct / count : 0, count };
}

/** The bias of OMITTED_BIAS_GRID with the best validation accuracy over all classes (the smallest on ties). */
export function chooseOmittedBias(valLogits: Float32Array, valLabels: ArrayLike<number>, numClasses: number, classes: readonly number[]): number {
  let best = 0;
  let bestAccuracy = -1;
  for (const bias of OMITTED_BIAS_GRID) {
    const { accuracy } = accuracyWithBias(valLogits, valLabels, numClasses, classes, bias);
    if (accuracy > bestAccuracy) {
      bestAccuracy = accuracy;
      best = bias;
    }
  }
  return best;
}

const allIndices = (count: number) => Int32Array.from({ length: count }, (_, i) => i);

/** How a trained student does on the classes it never saw, before and after the bias correction. */
export async function omittedClassReport(
  model: tfl.LayersModel,
  val: DeviceSplit,
  test: DeviceSplit,
  classes: readonly number[],
  numClasses: number,
): Promise<OmittedClassReport> {
  const valLogits = await logitsAt(model, val, allIndices(val.count));
  const testLogits = await logitsAt(model, test, allIndices(test.count));
  const bias = chooseOmittedBias(valLogits, val.hostLabels, numClasses, classes);
  const omitted = (label: number) => classes.includes(label);
  const before = accuracyWithBias(testLogits, test.hostLabels, numClasses, classes, 0, omitted);
  const after = accuracyWithBias(testLogits, test.hostLabels, numClasses, classes, bias, omitted);
  return {
    classes: [...classes],
    bias,
    omittedTestAccuracy: before.accuracy,
    omittedTestAccuracyCorrected: after.accuracy,
    omittedTestCount: before.count,
    testAccuracy: accuracyWithBias(testLogits, test.hostLabels, numClasses, classes, 0).accuracy,
    testAccuracyCorrected: accuracyWithBias(testLogits, test.hostLabels, numClasses, classes, bias).accuracy,
    valAccuracy: accuracyWithBias(valLogits, val.hostLabels, numClasses, classes, 0).accuracy,
    valAccuracyCorrected: accuracyWithBias(valLogits, val.hostLabels, numClasses, classes, bias).accuracy,
  };
}
