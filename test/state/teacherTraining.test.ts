// "Train a teacher on this dataset": the run that trains it, and what counts as a teacher architecture.
import { describe, expect, it } from 'vitest';
import { isTeacherArchitecture, teacherRunConfig, TEACHER_EPOCHS } from '../../src/state/teacherTraining';
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

  it('knows the teacher architectures from the students', () => {
    expect(isTeacherArchitecture('teacher-cnn')).toBe(true);
    expect(isTeacherArchitecture('tiny-cnn')).toBe(false);
    expect(isTeacherArchitecture('no-such-net')).toBe(false);
  });
});
