// From a configuration's distillation terms to what a training step needs: the layer pairs each
// term reads (defaults per method, checked before training starts), the tapped student and
// teacher that expose those layers, and the learnable connectors trained with the student.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  createLearnableParts,
  getMethod,
  resolveParams,
  type DistillInputs,
  type DistillMethod,
  type LearnableParts,
  type ResolvedParams,
} from '../kd';
import { otherSide, readsLayers } from '../kd/methods';
import { buildTappedModel, listTaps, type Tap, type TappedModel } from '../models/taps';
import { distillTerms, type ExperimentConfig } from './config';
import { describePairs, pairedTaps, resolveLayerPairs, type PairedTerm } from './layerPairs';
import { deriveSeed } from '../core/rng';
import { errorMessage } from '../core/errors';

export { resolveLayerPairs } from './layerPairs';

/**
 * A term as it trains: its parameters resolved (defaults filled in, unknown names refused) and its
 * layers resolved (layerPairs.ts). The plan resolves them once; the loop starts from them
 * (liveTerms.ts) and resolves a term again only when a live knob changes it.
 */
export interface ResolvedTerm extends Omit<PairedTerm, 'params'> {
  params: ResolvedParams;
}

/** Small deterministic values of a per-sample shape, for the dry run. */
function probe(shape: readonly number[], batch: number, offset: number): tf.Tensor {
  const size = batch * shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = Math.sin(0.37 * i + offset) + 0.1;
  return tf.tensor(values, [batch, ...shape]);
}

function flattenSamples(x: tf.Tensor): tf.Tensor2D {
  return (x.rank === 2 ? x : tf.reshape(x, [x.shape[0], -1])) as tf.Tensor2D;
}

/**
 * Run the method once on small made-up tensors of the pairs' shapes, so a pair it cannot use
 * (MGD on maps of different sizes, VID or AT on non-square maps, ...) is refused before training
 * with both layers and shapes in the message, by the loss's own checks.
 */
export function checkLayerPairs(methodId: string, students: readonly Tap[], teachers: readonly Tap[], numClasses: number, params: ResolvedParams): void {
  const method = getMethod(methodId);
  if (!readsLayers(method)) return;
  if ([...students, ...teachers].some((tap) => tap.shape.some((d) => d < 1))) return; // unknown sizes: checked at the first step
  const batch = 2;
  try {
    tf.dispose(tf.tidy(() => {
      const inputs: DistillInputs = {
        studentLogits: probe([numClasses], batch, 1) as tf.Tensor2D,
        teacherLogits: probe([numClasses], batch, 2) as tf.Tensor2D,
        labels: tf.tensor1d([0, Math.min(1, numClasses - 1)], 'int32'),
        random: () => 0.5,
      };
      const maps = (taps: readonly Tap[], offset: number) => taps.map((tap, i) => probe(tap.shape, batch, offset + i) as tf.Tensor4D);
      if (method.layers.reads === 'features') {
        inputs.studentFeatures = maps(students, 3);
        inputs.teacherFeatures = maps(teachers, 7);
      } else {
        const last = students.length - 1;
        inputs.studentEmbedding = flattenSamples(probe(students[last].shape, batch, 11));
        inputs.teacherEmbedding = flattenSamples(probe(teachers[last].shape, batch, 13));
        if (last > 0) {
          inputs.studentFeatures = maps(students.slice(0, last), 3);
          inputs.teacherFeatures = maps(teachers.slice(0, last), 7);
        }
      }
      return method.compute(inputs, params);
    }));
  } catch (error) {
    const message = errorMessage(error);
    throw new Error(`${method.label} cannot use ${describePairs(students, teachers, otherSide(method))}: ${message}`);
  }
}

/** A term as the step runs it: output indices in the tapped models and its learnable parts. */
export interface PlannedTerm {
  method: DistillMethod;
  studentFeatures: number[];
  teacherFeatures: number[];
  studentEmbedding: number | null;
  teacherEmbedding: number | null;
  learnable: LearnableParts | null;
}

export interface DistillPlan {
  /** The terms with their layers and parameters resolved (what the result JSON reports). */
  terms: ResolvedTerm[];
  planned: PlannedTerm[];
  /**
   * Student / teacher with [taps..., logits] outputs; null when no term reads a layer. For a
   * mutual method that reads layers (UDML), teacherTaps is the peer student's.
   */
  studentTaps: TappedModel | null;
  teacherTaps: TappedModel | null;
  /** Every learnable connector's variables: the optimiser trains them with the student. */
  learnableVariables: tf.Variable[];
  /** Frees the learnable parts (never the models: the tapped ones share their weights). */
  dispose(): void;
}

/**
 * Resolve and check every term's layers against the student and the teacher, build the tapped
 * models and the learnable parts (seeded from config.seed). Throws before anything is allocated
 * when a layer choice is refused. A mutual method's other side is its peer student: pass the
 * peer as `teacher` (trainingParts.ts planRun does).
 */
export function buildDistillPlan(
  config: ExperimentConfig,
  student: tfl.LayersModel,
  teacher: tfl.LayersModel | null,
  numClasses: number,
): DistillPlan {
  const terms = distillTerms(config);
  const anyReadsLayers = terms.some((term) => readsLayers(getMethod(term.method)));
  const studentTaps = anyReadsLayers ? listTaps(student) : [];
  const teacherTaps = anyReadsLayers && teacher ? listTaps(teacher) : [];
  if (anyReadsLayers && !teacher) throw new Error('Layer-reading methods need a teacher (a mutual method, its peer)');

  const resolved: ResolvedTerm[] = terms.map((term) => {
    const method = getMethod(term.method);
    const params = resolveParams(method, term.params);
    const pairs = resolveLayerPairs(term, studentTaps, teacherTaps);
    const { students, teachers } = pairedTaps(pairs, studentTaps, teacherTaps);
    checkLayerPairs(term.method, students, teachers, numClasses, params);
    return { ...term, params, ...pairs };
  });

  const studentNames = resolved.flatMap((term) => term.studentLayers);
  const teacherNames = resolved.flatMap((term) => term.teacherLayers);
  const tappedStudent = studentNames.length > 0 ? buildTappedModel(student, studentNames) : null;
  const tappedTeacher = teacherNames.length > 0 && teacher ? buildTappedModel(teacher, teacherNames) : null;

  const planned: PlannedTerm[] = [];
  try {
    resolved.forEach((term) => {
      const method = getMethod(term.method);
      const studentIndices = term.studentLayers.map((name) => tappedStudent!.outputIndex(name));
      const teacherIndices = term.teacherLayers.map((name) => tappedTeacher!.outputIndex(name));
      const embedding = method.layers.reads === 'embedding';
      const featureCount = embedding ? studentIndices.length - 1 : studentIndices.length;
      const pairShapes = term.studentLayers.slice(0, featureCount).map((name, i) => ({
        student: studentTaps.find((tap) => tap.name === name)!.shape,
        teacher: teacherTaps.find((tap) => tap.name === term.teacherLayers[i])!.shape,
      }));
      const learnable = createLearnableParts(term.method, pairShapes, deriveSeed(config.seed, `learnable.${term.method}`));
      planned.push({
        method,
        studentFeatures: studentIndices.slice(0, featureCount),
        teacherFeatures: teacherIndices.slice(0, featureCount),
        studentEmbedding: embedding ? studentIndices[featureCount] : null,
        teacherEmbedding: embedding ? teacherIndices[featureCount] : null,
        learnable,
      });
    });
  } catch (error) {
    for (const term of planned) term.learnable?.dispose();
    throw error;
  }
  return {
    terms: resolved,
    planned,
    studentTaps: tappedStudent,
    teacherTaps: tappedTeacher,
    learnableVariables: planned.flatMap((term) => (term.learnable ? [...term.learnable.variables] : [])),
    dispose: () => {
      for (const term of planned) term.learnable?.dispose();
    },
  };
}

/** The DistillInputs of one planned term for the step's student and teacher outputs. */
export function termInputs(
  term: PlannedTerm,
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  labels: tf.Tensor1D,
  studentOutputs: readonly tf.Tensor[] | null,
  teacherOutputs: readonly tf.Tensor[] | null,
): DistillInputs {
  const inputs: DistillInputs = { studentLogits, teacherLogits, labels };
  if (term.studentFeatures.length > 0 && studentOutputs && teacherOutputs) {
    inputs.studentFeatures = term.studentFeatures.map((i) => studentOutputs[i] as tf.Tensor4D);
    inputs.teacherFeatures = term.teacherFeatures.map((i) => teacherOutputs[i] as tf.Tensor4D);
  }
  if (term.studentEmbedding !== null && term.teacherEmbedding !== null && studentOutputs && teacherOutputs) {
    inputs.studentEmbedding = flattenSamples(studentOutputs[term.studentEmbedding]);
    inputs.teacherEmbedding = flattenSamples(teacherOutputs[term.teacherEmbedding]);
  }
  if (term.learnable) inputs.learnable = term.learnable;
  return inputs;
}
