// Soft labels on the page: softmax at a temperature, entropy, the teacher's average soft label per
// true class ("dark knowledge") and the most-confused class pairs. Plain numbers, no tfjs, so the
// temperature slider redraws without a round trip to the worker.

/** softmax(logits / T) of one row of `numClasses` logits starting at `offset`. */
export function softmaxAt(logits: ArrayLike<number>, temperature: number, offset = 0, numClasses = logits.length - offset): number[] {
  if (!(temperature > 0)) throw new Error(`The temperature must be positive (got ${temperature})`);
  let max = -Infinity;
  for (let c = 0; c < numClasses; c++) max = Math.max(max, logits[offset + c]);
  const out = new Array<number>(numClasses);
  let sum = 0;
  for (let c = 0; c < numClasses; c++) {
    // Subtracting the largest logit keeps exp() finite at any temperature.
    out[c] = Math.exp((logits[offset + c] - max) / temperature);
    sum += out[c];
  }
  for (let c = 0; c < numClasses; c++) out[c] /= sum;
  return out;
}

/** Shannon entropy in bits (log base 2); zero probabilities contribute nothing. */
export function entropyBits(probabilities: ArrayLike<number>): number {
  let entropy = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i];
    if (p > 0) entropy -= p * Math.log2(p);
  }
  // -0 for a one-hot distribution reads badly.
  return entropy === 0 ? 0 : entropy;
}

export function oneHot(label: number, numClasses: number): number[] {
  return Array.from({ length: numClasses }, (_, c) => (c === label ? 1 : 0));
}

export interface DarkKnowledge {
  /** matrix[trueClass][c]: the mean of softmax(logits / T)[c] over the images of trueClass. */
  matrix: number[][];
  /** Images of each true class that went into its row (a row of zeros when 0). */
  counts: number[];
}

/** The teacher's average soft label per true class at temperature T: which classes it finds alike. */
export function darkKnowledgeMatrix(logits: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, temperature: number): DarkKnowledge {
  if (logits.length !== labels.length * numClasses) {
    throw new Error(`${logits.length} logits do not make ${labels.length} rows of ${numClasses} classes`);
  }
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label < 0 || label >= numClasses) continue;
    const soft = softmaxAt(logits, temperature, i * numClasses, numClasses);
    const row = matrix[label];
    for (let c = 0; c < numClasses; c++) row[c] += soft[c];
    counts[label]++;
  }
  matrix.forEach((row, label) => {
    if (counts[label] > 0) for (let c = 0; c < numClasses; c++) row[c] /= counts[label];
  });
  return { matrix, counts };
}

export interface ConfusedPair {
  actual: number;
  predicted: number;
  count: number;
  /** count / images of the actual class. */
  rate: number;
}

/** Off-diagonal cells of a confusion matrix (confusion[actual][predicted]), most frequent first. */
export function mostConfusedPairs(confusion: readonly (readonly number[])[], limit: number): ConfusedPair[] {
  const pairs: ConfusedPair[] = [];
  confusion.forEach((row, actual) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, predicted) => {
      if (predicted !== actual && count > 0) pairs.push({ actual, predicted, count, rate: count / total });
    });
  });
  // Ties go to the pair that is the larger share of its class, then to the lower class index.
  pairs.sort((a, b) => b.count - a.count || b.rate - a.rate || a.actual - b.actual || a.predicted - b.predicted);
  return pairs.slice(0, Math.max(0, limit));
}
