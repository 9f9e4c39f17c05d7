// Classification metrics from predictions: accuracy, mean per-class accuracy, confusion matrix.

/** confusion[trueClass][predictedClass] = count */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, numClasses: number): number[][] {
  if (labels.length !== predictions.length) throw new Error(`${labels.length} labels but ${predictions.length} predictions`);
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) matrix[labels[i]][predictions[i]]++;
  return matrix;
}

export function accuracyFromConfusion(confusion: number[][]): number {
  let correct = 0;
  let total = 0;
  confusion.forEach((row, i) => {
    correct += row[i];
    for (const count of row) total += count;
  });
  return total === 0 ? 0 : correct / total;
}

/** Per-class recall; NaN for a class with no samples. */
export function perClassAccuracy(confusion: number[][]): number[] {
  return confusion.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? Number.NaN : row[i] / total;
  });
}

/** Mean per-class accuracy (MPA): the mean of the per-class recalls over classes present. */
export function meanPerClassAccuracy(confusion: number[][]): number {
  const present = perClassAccuracy(confusion).filter((value) => !Number.isNaN(value));
  return present.length === 0 ? 0 : present.reduce((a, b) => a + b, 0) / present.length;
}

export interface Evaluation {
  accuracy: number;
  mpa: number;
  perClassAccuracy: number[];
  confusion: number[][];
}

export function evaluatePredictions(labels: ArrayLike<number>, predictions: ArrayLike<number>, numClasses: number): Evaluation {
  const confusion = confusionMatrix(labels, predictions, numClasses);
  return {
    accuracy: accuracyFromConfusion(confusion),
    mpa: meanPerClassAccuracy(confusion),
    perClassAccuracy: perClassAccuracy(confusion),
    confusion,
  };
}
