// Checks on what a loss receives, so a bad layer choice fails with both shapes in the message.
import type * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs } from './types';
import { adaptiveAvgPool2d } from './ops';

export type FeaturePair = readonly [student: tf.Tensor4D, teacher: tf.Tensor4D];

/** A shape as the layer pickers show it: one sample, no batch dimension. */
export function describeSample(shape: readonly number[]): string {
  return `[${shape.slice(1).join(',')}]`;
}

/** The paired feature maps, checked: as many student as teacher maps, NHWC, equal batch sizes. */
export function featurePairs(inputs: DistillInputs, label: string): FeaturePair[] {
  const students = inputs.studentFeatures ?? [];
  const teachers = inputs.teacherFeatures ?? [];
  if (students.length === 0 || teachers.length === 0) {
    throw new Error(`${label} needs feature maps: choose at least one student layer and one teacher layer`);
  }
  if (students.length !== teachers.length) {
    throw new Error(
      `${label} pairs layers by position: got ${students.length} student and ${teachers.length} teacher feature maps`,
    );
  }
  return students.map((student, i) => {
    const teacher = teachers[i];
    if (student.rank !== 4 || teacher.rank !== 4) {
      throw new Error(
        `${label} pair ${i + 1}: feature maps must be NHWC (rank 4), got student [${student.shape}] and teacher [${teacher.shape}]`,
      );
    }
    if (student.shape[0] !== teacher.shape[0]) {
      throw new Error(
        `${label} pair ${i + 1}: student batch ${student.shape[0]} and teacher batch ${teacher.shape[0]} differ ` +
          `(student [${student.shape}], teacher [${teacher.shape}])`,
      );
    }
    return [student, teacher] as const;
  });
}

/**
 * RepDistiller's spatial matching (AT, NST, VID): when the heights differ, the larger map is
 * adaptive-average-pooled to (h, h), h the smaller height (the reference assumes square maps).
 * Maps that still disagree are refused. Returns new tensors the caller owns.
 */
export function poolToSmallerMap(pair: FeaturePair, label: string, index: number): [tf.Tensor4D, tf.Tensor4D] {
  const [student, teacher] = pair;
  const studentHeight = student.shape[1];
  const teacherHeight = teacher.shape[1];
  const pooledStudent =
    studentHeight > teacherHeight ? adaptiveAvgPool2d(student, teacherHeight, teacherHeight) : student.clone();
  const pooledTeacher =
    teacherHeight > studentHeight ? adaptiveAvgPool2d(teacher, studentHeight, studentHeight) : teacher.clone();
  if (pooledStudent.shape[1] !== pooledTeacher.shape[1] || pooledStudent.shape[2] !== pooledTeacher.shape[2]) {
    pooledStudent.dispose();
    pooledTeacher.dispose();
    throw new Error(
      `${label} pair ${index + 1}: student ${describeSample(student.shape)} and teacher ${describeSample(teacher.shape)} ` +
        'have spatial sizes that pooling to the smaller square map cannot match; pick layers with square maps or equal sizes',
    );
  }
  return [pooledStudent, pooledTeacher];
}

/** The penultimate-layer embeddings [B, D], with equal batch sizes and enough samples to relate. */
export function embeddings(inputs: DistillInputs, label: string, minimumBatch = 2): [tf.Tensor2D, tf.Tensor2D] {
  const { studentEmbedding: student, teacherEmbedding: teacher } = inputs;
  if (!student || !teacher) {
    throw new Error(`${label} needs the student's and the teacher's embeddings (penultimate layer outputs)`);
  }
  if (student.shape[0] !== teacher.shape[0]) {
    throw new Error(
      `${label}: student embedding [${student.shape}] and teacher embedding [${teacher.shape}] have different batch sizes`,
    );
  }
  if (student.shape[0] < minimumBatch) {
    throw new Error(`${label} relates samples to each other: it needs a batch of at least ${minimumBatch} (got ${student.shape[0]})`);
  }
  return [student, teacher];
}

/**
 * Both maps adaptive-average-pooled to the smaller height and the smaller width (FitNet, whose
 * 1x1 regressor cannot change the spatial size). Returns new tensors the caller owns.
 */
export function poolToCommonSize(pair: FeaturePair): [tf.Tensor4D, tf.Tensor4D] {
  const [student, teacher] = pair;
  const height = Math.min(student.shape[1], teacher.shape[1]);
  const width = Math.min(student.shape[2], teacher.shape[2]);
  return [adaptiveAvgPool2d(student, height, width), adaptiveAvgPool2d(teacher, height, width)];
}
