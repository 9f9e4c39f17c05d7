// Accuracy, per-class accuracy and MPA, checked against confusion matrices worked out by hand.
import { describe, expect, it } from 'vitest';
import {
  accuracyFromConfusion,
  confusionMatrix,
  evaluatePredictions,
  meanPerClassAccuracy,
  perClassAccuracy,
} from '../../src/train/metrics';

describe('confusionMatrix', () => {
  it('counts confusion[true][predicted]', () => {
    const labels = [0, 0, 1, 2, 2, 2];
    const predictions = [0, 1, 1, 2, 0, 2];
    expect(confusionMatrix(labels, predictions, 3)).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 2],
    ]);
  });

  it('refuses labels and predictions of different lengths', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/2 labels but 1 predictions/);
  });
});

describe('accuracy and MPA on imbalanced classes', () => {
  // Class 0: 8 samples, 7 right. Class 1: 2 samples, 0 right. Class 2: no samples.
  const confusion = [
    [7, 1, 0],
    [2, 0, 0],
    [0, 0, 0],
  ];

  it('accuracy = correct / all = 7 / 10', () => {
    expect(accuracyFromConfusion(confusion)).toBeCloseTo(7 / 10, 12);
  });

  it('per-class accuracy = recall per class, NaN for a class without samples', () => {
    const perClass = perClassAccuracy(confusion);
    expect(perClass[0]).toBeCloseTo(7 / 8, 12);
    expect(perClass[1]).toBe(0);
    expect(perClass[2]).toBeNaN();
  });

  it('MPA = mean recall over the classes present = (7/8 + 0) / 2, far below accuracy', () => {
    expect(meanPerClassAccuracy(confusion)).toBeCloseTo((7 / 8 + 0) / 2, 12);
  });

  it('a majority-class predictor: 90 % accuracy, 50 % MPA', () => {
    const labels = [...new Array(9).fill(0), 1];
    const predictions = new Array(10).fill(0);
    const evaluation = evaluatePredictions(labels, predictions, 2);
    expect(evaluation.accuracy).toBeCloseTo(0.9, 12);
    expect(evaluation.mpa).toBeCloseTo(0.5, 12);
    expect(evaluation.perClassAccuracy).toEqual([1, 0]);
    expect(evaluation.confusion).toEqual([
      [9, 0],
      [1, 0],
    ]);
  });

  it('balanced classes: MPA equals accuracy', () => {
    const labels = [0, 0, 1, 1, 2, 2, 3, 3];
    const predictions = [0, 1, 1, 1, 2, 0, 3, 3];
    const evaluation = evaluatePredictions(labels, predictions, 4);
    expect(evaluation.accuracy).toBeCloseTo(6 / 8, 12);
    expect(evaluation.mpa).toBeCloseTo((0.5 + 1 + 0.5 + 1) / 4, 12);
  });

  it('an empty matrix gives 0, not NaN', () => {
    const empty = confusionMatrix([], [], 3);
    expect(accuracyFromConfusion(empty)).toBe(0);
    expect(meanPerClassAccuracy(empty)).toBe(0);
  });
});
