// The shipped teachers: public/teachers/<id>/{model.json, weights.bin, card.json}, listed in
// public/teachers/index.json (written by scripts/index-teachers.ts from the cards).
export interface TeacherCard {
  id: string;
  dataset: string;
  architecture: string;
  label: string;
  parameters: number;
  valAccuracy: number;
  valMpa: number;
  testAccuracy: number;
  testMpa: number;
  inputShape: [number, number, number];
  numClasses: number;
  epochs: number;
  trainSeconds: number;
  command: string;
  createdAt: string;
}

export const TEACHERS_INDEX = 'teachers/index.json';

export function teacherModelPath(id: string): string {
  return `teachers/${id}/model.json`;
}

export function teachersFor(cards: readonly TeacherCard[], dataset: string): TeacherCard[] {
  return cards.filter((card) => card.dataset === dataset);
}

/**
 * Why a model cannot teach on a dataset (input shape, output shape or class count), or null when
 * it fits. Shapes include the batch dimension; the output may be given as its class count alone.
 */
export function teacherMismatch(
  modelInput: readonly (number | null)[],
  modelOutput: number | readonly (number | null)[],
  dataset: { name: string; inputShape: readonly number[]; numClasses: number },
): string | null {
  const show = (shape: readonly (number | null)[]) => `[${shape.map((d) => d ?? '?').join('×')}]`;
  if (typeof modelOutput !== 'number' && modelOutput.length !== 2) {
    return `This teacher outputs ${show(modelOutput.slice(1))} per image, not one score per class: a teacher for ${dataset.name} ends in ${dataset.numClasses} logits.`;
  }
  const modelClasses = typeof modelOutput === 'number' ? modelOutput : (modelOutput[1] ?? 0);
  // A rank-5 input would end in the right three sizes: show (and refuse) all of them.
  const input = modelInput.length > 4 ? modelInput.slice(1) : modelInput.slice(-3);
  const expected = dataset.inputShape;
  const shapeFits = modelInput.length === 4 && input.every((d, i) => d === null || d === expected[i]);
  if (!shapeFits || modelClasses !== dataset.numClasses) {
    return (
      `This teacher takes input ${show(input)} and predicts ${modelClasses} classes, but ${dataset.name} ` +
      `has input ${show(expected)} and ${dataset.numClasses} classes.`
    );
  }
  return null;
}
