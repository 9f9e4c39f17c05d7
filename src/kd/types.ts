import type * as tf from '@tensorflow/tfjs-core';

/** What a distillation loss sees. Features are NHWC and paired by index. */
export interface DistillInputs {
  studentLogits: tf.Tensor2D;
  teacherLogits: tf.Tensor2D;
  labels: tf.Tensor1D; // int32
  studentFeatures?: tf.Tensor4D[];
  teacherFeatures?: tf.Tensor4D[];
  studentEmbedding?: tf.Tensor2D;
  teacherEmbedding?: tf.Tensor2D;
}

/** One knob of a method: drives the UI control, the URL, the CLI `--param` and validation. */
export interface ParamSpec {
  name: string;
  label: string;
  default: number;
  min: number;
  max: number;
  step: number;
  help: string;
  /** Whether the bounds are inclusive (a temperature of 0 is refused, 0 as a weight is fine). */
  minExclusive?: boolean;
}

export type MethodKind = 'none' | 'logits' | 'features' | 'relation' | 'mutual';

export interface PaperRef {
  title: string;
  authors: string;
  year: number;
  url: string;
}

export interface MethodSpec {
  id: string;
  label: string;
  kind: MethodKind;
  paper?: PaperRef;
  /** One line for the method picker. */
  summary: string;
  params: readonly ParamSpec[];
  /** The reference's default loss weight (kd_ratio in DESIGN §4.2 terms). */
  defaultWeight: number;
}

export interface DistillMethod extends MethodSpec {
  /** The distillation term only, as the reference computes it (no CE, no weight, no warmup). */
  compute(inputs: DistillInputs, params: Readonly<Record<string, number>>): tf.Scalar;
}
