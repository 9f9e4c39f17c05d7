// The teacher catalog: which teachers fit a dataset, and why one does not.
import { describe, expect, it } from 'vitest';
import { teacherMismatch, teacherModelPath, teachersFor, type TeacherCard } from '../../src/models/catalog';

const digits = { name: 'Digits 8×8', inputShape: [8, 8, 1], numClasses: 10 };

describe('teacherMismatch', () => {
  it('accepts a model whose input (batch dimension unknown) and class count fit', () => {
    expect(teacherMismatch([null, 8, 8, 1], 10, digits)).toBeNull();
  });

  it('refuses a wrong input shape with a message naming both shapes', () => {
    const message = teacherMismatch([null, 28, 28, 1], 10, digits);
    expect(message).toContain('[28×28×1]');
    expect(message).toContain('[8×8×1]');
    expect(message).toContain('Digits 8×8');
  });

  it('refuses a wrong class count, naming both counts', () => {
    const message = teacherMismatch([null, 8, 8, 1], 100, digits);
    expect(message).toMatch(/predicts 100 classes/);
    expect(message).toMatch(/10 classes/);
  });

  it('refuses a wrong channel count and a model without an image input', () => {
    expect(teacherMismatch([null, 8, 8, 3], 10, digits)).toContain('[8×8×3]');
    expect(teacherMismatch([null, 64], 10, digits)).toContain('[?×64]');
  });

  it('refuses an input of another rank even when its last sizes fit, and an output that is not one score per class', () => {
    expect(teacherMismatch([null, 1, 8, 8, 1], 10, digits)).toContain('[1×8×8×1]');
    expect(teacherMismatch([null, 8, 8, 1], [null, 10], digits)).toBeNull();
    expect(teacherMismatch([null, 8, 8, 1], [null, 8, 8, 10], digits)).toBe(
      'This teacher outputs [8×8×10] per image, not one score per class: a teacher for Digits 8×8 ends in 10 logits.',
    );
  });

  it('accepts unknown spatial dimensions (a fully convolutional model)', () => {
    expect(teacherMismatch([null, null, null, 1], 10, digits)).toBeNull();
  });
});

describe('teachersFor and paths', () => {
  it('offers only the teachers of the chosen dataset', () => {
    const card = (id: string, dataset: string) => ({ id, dataset }) as TeacherCard;
    const cards = [card('a', 'digits'), card('b', 'mnist'), card('c', 'digits')];
    expect(teachersFor(cards, 'digits').map((c) => c.id)).toEqual(['a', 'c']);
    expect(teachersFor(cards, 'fashion-mnist')).toEqual([]);
  });

  it('puts each teacher under teachers/<id>/model.json', () => {
    expect(teacherModelPath('digits-teacher-cnn')).toBe('teachers/digits-teacher-cnn/model.json');
  });
});
