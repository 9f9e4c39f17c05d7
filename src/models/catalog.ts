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

/** Why a model cannot teach on a dataset (input shape or class count), or null when it fits. */
export function teacherMismatch(
  modelInput: readonly (number | null)[],
  modelClasses: number,
  dataset: { name: string; inputShape: readonly number[]; numClasses: number },
): string | null {
  const input = modelInput.slice(-3);
  const expected = dataset.inputShape;
  const shapeFits = input.length === 3 && input.every((d, i) => d === null || d === expected[i]);
  const show = (shape: readonly (number | null)[]) => `[${shape.map((d) => d ?? '?').join('×')}]`;
  if (!shapeFits || modelClasses !== dataset.numClasses) {
    return (
      `This teacher takes input ${show(input)} and predicts ${modelClasses} classes, but ${dataset.name} ` +
      `has input ${show(expected)} and ${dataset.numClasses} classes.`
    );
  }
  return null;
}
