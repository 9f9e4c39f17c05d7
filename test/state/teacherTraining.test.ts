// "Train a teacher on this dataset": the run that trains it, the architecture it suggests for a
// dataset's shape, and what counts as a teacher architecture.
import { describe, expect, it } from 'vitest';
import { isTeacherArchitecture } from '../../src/models/architectureSpecs';
import {
  suggestedTeacherArchitecture,
  teacherRunConfig,
  TEACHER_ARCHITECTURES,
  TEACHER_COST_NOTES,
  TEACHER_EPOCHS,
} from '../../src/state/teacherTraining';
import { DEFAULT_CONFIG, usesTeacher, withMethod } from '../../src/train/config';

describe('teacherRunConfig', () => {
  it('trains the teacher architecture from hard labels on the whole training set, at least TEACHER_EPOCHS epochs, keeping the dataset and the optimiser', () => {
    const config = { ...withMethod({ ...DEFAULT_CONFIG, dataset: 'upload:bands', lr: 0.01, epochs: 3 }, 'dkd'), trainLimit: 300, omitClasses: [3], labelledFraction: 0.1 };
    const run = teacherRunConfig(config);
    expect(run).toMatchObject({ dataset: 'upload:bands', student: 'teacher-cnn', method: 'none', lr: 0.01, epochs: TEACHER_EPOCHS });
    expect(usesTeacher(run)).toBe(false);
    expect(run.trainLimit).toBeUndefined();
    expect(run.omitClasses).toBeUndefined();
    expect(run.labelledFraction).toBeUndefined();
    expect(teacherRunConfig({ ...config, epochs: 40 }).epochs).toBe(40);
  });

  it('trains the architecture picked, teacher-cnn unless told, and refuses one that is no teacher', () => {
    const config = withMethod({ ...DEFAULT_CONFIG, dataset: 'upload:cifar', student: 'mlp' }, 'kd');
    expect(teacherRunConfig(config).student).toBe('teacher-cnn');
    const resnet = teacherRunConfig(config, 'teacher-resnet');
    expect(resnet).toMatchObject({ dataset: 'upload:cifar', student: 'teacher-resnet', method: 'none' });
    expect(usesTeacher(resnet)).toBe(false);
    expect(() => teacherRunConfig(config, 'small-cnn')).toThrow(/"small-cnn" is not a teacher architecture \(known: teacher-cnn, teacher-resnet\)/);
    // Pure: the set-up it starts from is left as it was.
    expect(config.student).toBe('mlp');
    expect(config.method).toBe('kd');
  });

  it('suggests teacher-resnet for 32×32 colour images only, teacher-cnn otherwise or before the shape is known', () => {
    expect(suggestedTeacherArchitecture([32, 32, 3])).toBe('teacher-resnet');
    expect(suggestedTeacherArchitecture([32, 32, 1])).toBe('teacher-cnn');
    expect(suggestedTeacherArchitecture([28, 28, 1])).toBe('teacher-cnn');
    expect(suggestedTeacherArchitecture([8, 8, 1])).toBe('teacher-cnn');
    expect(suggestedTeacherArchitecture([64, 64, 3])).toBe('teacher-cnn');
    expect(suggestedTeacherArchitecture([null, 32, 32, 3].slice(1))).toBe('teacher-resnet');
    expect(suggestedTeacherArchitecture(undefined)).toBe('teacher-cnn');
  });

  it('offers teacher architectures only, each with its cost in one line', () => {
    expect(TEACHER_ARCHITECTURES[0]).toBe('teacher-cnn');
    for (const id of TEACHER_ARCHITECTURES) {
      expect(isTeacherArchitecture(id), id).toBe(true);
      expect(TEACHER_COST_NOTES[id], id).toMatch(/^[^\n]+$/);
    }
    expect(TEACHER_COST_NOTES['teacher-resnet']).toMatch(/about \d+× slower per step than teacher-cnn/);
  });

  it('knows the teacher architectures from the students', () => {
    expect(isTeacherArchitecture('teacher-cnn')).toBe(true);
    expect(isTeacherArchitecture('teacher-resnet')).toBe(true);
    expect(isTeacherArchitecture('tiny-cnn')).toBe(false);
    expect(isTeacherArchitecture('no-such-net')).toBe(false);
  });
});
