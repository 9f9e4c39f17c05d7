// Which teacher the soft-label explorer shows: the Lab's own choice, shipped or loaded from disk.
import { describe, expect, it } from 'vitest';
import type { TeacherCard } from '../../src/models/catalog';
import { settledTeacher } from '../../src/state/teacherChoice';
import { createLabStore, type LabState } from '../../src/state/store';
import { DEFAULT_CONFIG } from '../../src/train/config';

const card = (id: string, dataset: string): TeacherCard => ({
  id,
  dataset,
  architecture: 'teacher-cnn',
  label: `Teacher on ${dataset}`,
  parameters: 1,
  valAccuracy: 1,
  valMpa: 1,
  testAccuracy: 1,
  testMpa: 1,
  inputShape: [8, 8, 1],
  numClasses: 10,
  epochs: 1,
  trainSeconds: 1,
  command: '',
  createdAt: '',
});

function state(patch: Partial<LabState>): LabState {
  return { ...createLabStore().getState(), ...patch };
}

const ready = { status: 'ready' as const, cards: [card('digits-teacher-cnn', 'digits'), card('mnist-teacher-cnn', 'mnist')], message: '' };

describe('settledTeacher', () => {
  it('uses the shipped teacher picked on the Lab page, keyed by dataset and teacher', () => {
    const teacher = settledTeacher(state({ teacherIndex: ready }));
    expect(teacher).toEqual({ key: 'digits|digits-teacher-cnn', source: { kind: 'shipped', id: 'digits-teacher-cnn' }, label: 'Teacher on digits' });
  });

  it('refuses a teacher of another dataset', () => {
    const teacher = settledTeacher(state({ teacherIndex: ready, config: { ...DEFAULT_CONFIG, teacher: 'mnist-teacher-cnn' } }));
    expect(teacher.key).toBeNull();
  });

  it('uses the teacher loaded from disk, and asks for one when none is loaded', () => {
    const config = { ...DEFAULT_CONFIG, teacher: 'custom' };
    const uploaded = { name: 'model.json', parameters: 5, inputShape: [null, 8, 8, 1], numClasses: 10 };
    expect(settledTeacher(state({ teacherIndex: ready, config, uploadedTeacher: uploaded }))).toMatchObject({ key: 'digits|custom:model.json:5', source: { kind: 'uploaded' } });
    const missing = settledTeacher(state({ teacherIndex: ready, config }));
    expect(missing.key).toBeNull();
    expect(missing).toMatchObject({ problem: expect.stringMatching(/load your teacher/i) });
  });

  it('waits for the teacher catalog', () => {
    expect(settledTeacher(state({}))).toMatchObject({ key: null, problem: expect.stringMatching(/loading/i) });
  });
});
