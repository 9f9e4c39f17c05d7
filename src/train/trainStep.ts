// One optimisation step of the student, shared by runExperiment and the benchmark (which times
// exactly this function for student-only, live-teacher and cached-teacher steps).
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { getMethod, stepWeights, type ResolvedParams } from '../kd';
import type { DeviceSplit } from '../data/device';
import { flipsApply, randomFlip, randomShift } from '../data/augment';
import { predictLogits } from './teacherCache';
import { termInputs, type DistillPlan, type PlannedTerm } from './distillPlan';
import type { TappedModel } from '../models/taps';
import { rdropForward, symmetricKl, type RDropContext } from './rdrop';

/** DML's second student: trained in the same step as the first, with its own optimiser. */
export interface PeerContext {
  model: tfl.LayersModel;
  variables: tf.Variable[];
  optimizer: tf.Optimizer;
}

export interface StepContext {
  student: tfl.LayersModel;
  /** The student's trainable variables: the only ones the optimiser may touch (with the plan's learnable parts). */
  studentVariables: tf.Variable[];
  optimizer: tf.Optimizer;
  train: DeviceSplit;
  numClasses: number;
  /** The single logit method when there is no plan (the benchmark). */
  methodId: string;
  /** null for a student trained from scratch (hard labels only) and for DML. */
  teacher: tfl.LayersModel | null;
  /** The teacher's logits for every training sample (see cacheTeacherLogits), or null: run it live. */
  teacherCache: tf.Tensor2D | null;
  /** Every output of the plan's tapped teacher for every training sample (cacheTeacherOutputs), or null: run it live. */
  teacherOutputsCache?: readonly tf.Tensor[] | null;
  weightDecay: number;
  /** Random shifts of up to 2 pixels drawn from this generator; null = no augmentation. */
  augmentRng: (() => number) | null;
  /**
   * The terms with their layer taps and learnable parts (runExperiment builds it with
   * buildDistillPlan). Absent: one logit-only term of `methodId` when there is a teacher.
   */
  plan?: DistillPlan | null;
  /** Label-free mode: per training sample 1 (keeps its label) or 0 (no CE); null: all labelled. */
  labelled?: tf.Tensor1D | null;
  /** DML, UDML: the peer student (the plan's teacher side when the term reads layers). */
  peer?: PeerContext | null;
  /** R-Drop (createRDrop): two dropout passes of the student; null / absent: one plain pass. */
  rdrop?: RDropContext | null;
}

/** One term at a step, in the order of the step's terms (the plan's). */
export interface StepTerm {
  /** Its parameters as resolved once per change (liveTerms.ts): every one present, none unknown. */
  params: ResolvedParams;
  /** A recipe's later term: its own weight. The first (or only) term has none: it weighs kdRatio. */
  weight?: number;
  /** Its warm-up factor at this step, in [0, 1] (mixing.ts warmupFactor); 1 for a term without a warm-up. */
  ramp: number;
}

/**
 * What one step trains with, resolved before it (liveTerms.ts knobsAt): nothing in it is filled in,
 * looked up or checked at the step. `kdRatio` is the soft-label share by the name the user sees
 * (the kd_ratio knob); the step weighs CE and the terms with it by mixing.ts's rule (stepWeights,
 * docs/ARCHITECTURE.md §4.2).
 */
export interface StepKnobs {
  kdRatio: number;
  /** One per term the step trains; none for a student without a teacher. */
  terms: readonly StepTerm[];
}

/** The step's metrics, still on the device: the caller reads them back in batches and disposes them. */
export interface StepMetrics {
  ce: tf.Scalar;
  /** The distillation value, unweighted: the single term's, or the sum of a recipe's terms. */
  kd: tf.Scalar;
  total: tf.Scalar;
  /** Number of correctly classified samples in the batch. */
  correct: tf.Scalar;
  /** Recipes (two terms or more): each term's unweighted value, in plan order. */
  terms?: tf.Scalar[];
  /** R-Drop: the symmetric KL between the two passes, unweighted (total adds alpha times it). */
  rdrop?: tf.Scalar;
  /** DML: the peer's CE, KL to the student, weighted total and correct count. */
  peer?: { ce: tf.Scalar; kd: tf.Scalar; total: tf.Scalar; correct: tf.Scalar };
}

/** Every tensor a StepMetrics owns, in a fixed order: ce, kd, total, correct, terms..., rdrop, peer's four. */
export function stepMetricTensors(metrics: StepMetrics): tf.Scalar[] {
  const { peer } = metrics;
  return [
    metrics.ce,
    metrics.kd,
    metrics.total,
    metrics.correct,
    ...(metrics.terms ?? []),
    ...(metrics.rdrop ? [metrics.rdrop] : []),
    ...(peer ? [peer.ce, peer.kd, peer.total, peer.correct] : []),
  ];
}

/** One step's metrics as read back, by name. */
export interface StepMetricValues {
  ce: number;
  kd: number;
  total: number;
  correct: number;
  /** Recipes: each term's value in plan order (empty for a single term: its value is kd). */
  terms: number[];
  rdrop: number | null;
  peer: { ce: number; kd: number; total: number; correct: number } | null;
}

/** Decode the values of `metrics` read back from `values` at `offset` (the order of stepMetricTensors). */
export function readStepMetrics(metrics: StepMetrics, values: ArrayLike<number>, offset: number): StepMetricValues {
  let at = offset;
  const next = () => values[at++];
  const ce = next();
  const kd = next();
  const total = next();
  const correct = next();
  const terms = (metrics.terms ?? []).map(next);
  const rdrop = metrics.rdrop ? next() : null;
  const peer = metrics.peer ? { ce: next(), kd: next(), total: next(), correct: next() } : null;
  return { ce, kd, total, correct, terms, rdrop, peer };
}

export function disposeStepMetrics(metrics: StepMetrics): void {
  for (const tensor of stepMetricTensors(metrics)) tensor.dispose();
}

interface Batch {
  indices: tf.Tensor1D;
  labels: tf.Tensor1D;
  images: tf.Tensor4D;
  labelled: tf.Tensor1D | null;
  dispose(): void;
}

function gatherBatch(context: StepContext, batchIndices: Int32Array): Batch {
  const indices = tf.tensor1d(batchIndices, 'int32');
  const labels = tf.gather(context.train.labels, indices) as tf.Tensor1D;
  let images = context.train.images.gather(batchIndices);
  if (context.augmentRng) {
    const shifted = randomShift(images, 2, context.augmentRng);
    images.dispose();
    images = shifted;
    // Colour (natural) images are mirrored too; grey ones (digits) draw nothing more from the stream.
    if (flipsApply([images.shape[1], images.shape[2], images.shape[3]])) {
      const flipped = randomFlip(images, context.augmentRng);
      images.dispose();
      images = flipped;
    }
  }
  const labelled = context.labelled ? (tf.gather(context.labelled, indices) as tf.Tensor1D) : null;
  return {
    indices,
    labels,
    images,
    labelled,
    dispose: () => {
      indices.dispose();
      labels.dispose();
      images.dispose();
      labelled?.dispose();
    },
  };
}

/** Mean CE over the batch, or in label-free mode over its labelled samples only (0 when none). */
function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number, labelled: tf.Tensor1D | null): tf.Scalar {
  const oneHot = tf.oneHot(labels, numClasses);
  if (!labelled) return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
  const perSample = tf.losses.softmaxCrossEntropy(oneHot, logits, undefined, undefined, tf.Reduction.NONE);
  return tf.div(tf.sum(tf.mul(perSample, labelled)), tf.maximum(tf.sum(labelled), 1)) as tf.Scalar;
}

function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar;
}

/** L2 on every weight, as torch's weight_decay (coupled) does for SGD and Adam. */
function withWeightDecay(loss: tf.Scalar, variables: readonly tf.Variable[], weightDecay: number): tf.Scalar {
  if (weightDecay <= 0 || variables.length === 0) return loss;
  const squares = variables.map((v) => tf.sum(tf.square(v)));
  return tf.add(loss, tf.mul(tf.addN(squares), weightDecay / 2)) as tf.Scalar;
}

/** The plan's terms, or the one logit term the benchmark's context describes. */
function stepTerms(context: StepContext): readonly PlannedTerm[] {
  if (context.plan) return context.plan.planned;
  if (!context.teacher) return [];
  const method = getMethod(context.methodId);
  return [{ method, studentFeatures: [], teacherFeatures: [], studentEmbedding: null, teacherEmbedding: null, learnable: null }];
}

/** Gather the batch on the device, get the teacher's outputs (cache or live), update the student. */
export function trainStep(context: StepContext, batchIndices: Int32Array, knobs: StepKnobs): StepMetrics {
  if (context.peer) {
    if (context.rdrop) throw new Error('R-Drop cannot be combined with DML');
    return mutualStep(context, context.peer, batchIndices, knobs);
  }
  const rdrop = context.rdrop ?? null;
  const { student, studentVariables, optimizer, numClasses, teacher, teacherCache } = context;
  const plan = context.plan ?? null;
  const terms = stepTerms(context);
  if (knobs.terms.length !== terms.length) throw new Error(`trainStep: ${terms.length} terms but knobs for ${knobs.terms.length}`);
  const weights = stepWeights(knobs.kdRatio, terms[0]?.method.mixing, knobs.terms);
  const batch = gatherBatch(context, batchIndices);
  const { labels, images } = batch;

  // The teacher runs outside the optimiser's closure, so no gradient can reach it.
  let teacherOutputs: tf.Tensor[] | null = null;
  let teacherLogits: tf.Tensor2D | null = null;
  if (teacher && terms.length > 0) {
    if (plan?.teacherTaps) {
      const tapped = plan.teacherTaps.model;
      const cached = context.teacherOutputsCache;
      teacherOutputs = cached
        ? cached.map((output) => tf.gather(output, batch.indices))
        : tf.tidy(() => [tapped.predict(images)].flat());
      teacherLogits = teacherOutputs[teacherOutputs.length - 1] as tf.Tensor2D;
    } else {
      teacherLogits = teacherCache ? (tf.gather(teacherCache, batch.indices) as tf.Tensor2D) : predictLogits(teacher, images);
    }
  }
  // Label-free mode: losses that read labels (DKD) see the teacher's class for unlabelled samples.
  const distillLabels =
    batch.labelled && teacherLogits
      ? tf.tidy(() => tf.where(tf.greater(batch.labelled!, 0), labels, tf.cast(tf.argMax(teacherLogits!, 1), 'int32')) as tf.Tensor1D)
      : labels;
  const variables = plan && plan.learnableVariables.length > 0 ? [...studentVariables, ...plan.learnableVariables] : studentVariables;

  let ce: tf.Scalar | undefined;
  let kd: tf.Scalar | undefined;
  let correct: tf.Scalar | undefined;
  let termValues: tf.Scalar[] | undefined;
  let rdropValue: tf.Scalar | undefined;
  const total = optimizer.minimize(
    () => {
      let logits: tf.Tensor2D;
      let studentOutputs: tf.Tensor[] | null = null;
      let rdropCe: tf.Scalar | null = null;
      let rdropTerm: tf.Scalar | null = null;
      if (rdrop) {
        // Distillation terms read the first pass: its logits and its tapped layers.
        const passes = rdropForward(rdrop, images);
        logits = passes.logits;
        if (plan?.studentTaps) studentOutputs = [...passes.taps, logits];
        const ce1 = crossEntropy(logits, labels, numClasses, batch.labelled);
        const ce2 = crossEntropy(passes.logits2, labels, numClasses, batch.labelled);
        rdropCe = tf.div(tf.add(ce1, ce2), 2) as tf.Scalar;
        rdropTerm = symmetricKl(logits, passes.logits2);
        rdropValue = tf.keep(rdropTerm);
      } else if (plan?.studentTaps) {
        studentOutputs = [plan.studentTaps.model.apply(images, { training: true }) as tf.Tensor | tf.Tensor[]].flat();
        logits = studentOutputs[studentOutputs.length - 1] as tf.Tensor2D;
      } else {
        logits = student.apply(images, { training: true }) as tf.Tensor2D;
      }
      const ceLoss = rdropCe ?? crossEntropy(logits, labels, numClasses, batch.labelled);
      const values = terms.map((term, i) =>
        term.method.compute(termInputs(term, logits, teacherLogits!, distillLabels, studentOutputs, teacherOutputs), knobs.terms[i].params),
      );
      ce = tf.keep(ceLoss);
      kd = tf.keep(values.length === 0 ? tf.scalar(0) : values.length === 1 ? values[0] : (tf.addN(values) as tf.Scalar));
      if (values.length > 1) termValues = values.map((value) => tf.keep(value));
      correct = tf.keep(correctCount(logits, labels));
      let loss = tf.mul(ceLoss, weights.ce) as tf.Scalar;
      values.forEach((value, i) => (loss = tf.add(loss, tf.mul(value, weights.terms[i])) as tf.Scalar));
      if (rdropTerm && rdrop) loss = tf.add(loss, tf.mul(rdropTerm, rdrop.alpha)) as tf.Scalar;
      return withWeightDecay(loss, variables, context.weightDecay);
    },
    true,
    variables,
  ) as tf.Scalar;
  if (distillLabels !== labels) distillLabels.dispose();
  batch.dispose();
  if (teacherOutputs) for (const output of teacherOutputs) output.dispose();
  else teacherLogits?.dispose();
  const metrics: StepMetrics = { ce: ce!, kd: kd!, total, correct: correct! };
  if (termValues) metrics.terms = termValues;
  if (rdropValue) metrics.rdrop = rdropValue;
  return metrics;
}

/** One network's outputs in a mutual step: its logits and, when the term reads layers, its tapped outputs. */
interface MutualSide {
  logits: tf.Tensor2D;
  outputs: tf.Tensor[] | null;
}

/** A network's forward pass in training mode, through its tapped model when the term reads layers. */
function mutualForward(model: tfl.LayersModel, tapped: TappedModel | null, images: tf.Tensor4D): MutualSide {
  if (!tapped) return { logits: model.apply(images, { training: true }) as tf.Tensor2D, outputs: null };
  const outputs = [tapped.model.apply(images, { training: true }) as tf.Tensor | tf.Tensor[]].flat();
  return { logits: outputs[outputs.length - 1] as tf.Tensor2D, outputs };
}

/** The mutual term as the plan has it (DML: logits only; UDML: the student's and the peer's layers), or DML's alone. */
function mutualTerm(context: StepContext): PlannedTerm {
  const planned = context.plan?.planned[0];
  if (planned) return planned;
  return { method: getMethod('dml'), studentFeatures: [], teacherFeatures: [], studentEmbedding: null, teacherEmbedding: null, learnable: null };
}

/**
 * DML (Zhang 2018), UDML: both students see the batch; each minimises w_ce * CE + w * term(self,
 * peer) with the other's predictions (and, for UDML, its feature maps) detached (dml.ts, udml.ts),
 * so one backward pass gives each network its own gradients, which its own optimiser applies
 * (the simultaneous form of the update). The plan's teacher side is the peer (distillPlan.ts).
 */
function mutualStep(context: StepContext, peer: PeerContext, batchIndices: Int32Array, knobs: StepKnobs): StepMetrics {
  const { student, studentVariables, optimizer, numClasses } = context;
  const [term] = knobs.terms;
  if (!term) throw new Error('trainStep: a mutual method needs its term');
  const planned = mutualTerm(context);
  // The peer's own term reads the same pairs from its side.
  const mirrored: PlannedTerm = { ...planned, studentFeatures: planned.teacherFeatures, teacherFeatures: planned.studentFeatures };
  const weights = stepWeights(knobs.kdRatio, planned.method.mixing, knobs.terms);
  const batch = gatherBatch(context, batchIndices);
  const { labels, images } = batch;
  const kept: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const own = mutualForward(student, context.plan?.studentTaps ?? null, images);
    const other = mutualForward(peer.model, context.plan?.teacherTaps ?? null, images);
    const one = (self: MutualSide, them: MutualSide, pairing: PlannedTerm, variables: readonly tf.Variable[], prefix: string) => {
      const ceLoss = crossEntropy(self.logits, labels, numClasses, batch.labelled);
      const kl = planned.method.compute(termInputs(pairing, self.logits, them.logits, labels, self.outputs, them.outputs), term.params);
      const total = withWeightDecay(tf.add(tf.mul(ceLoss, weights.ce), tf.mul(kl, weights.terms[0])) as tf.Scalar, variables, context.weightDecay);
      kept[`${prefix}ce`] = tf.keep(ceLoss);
      kept[`${prefix}kd`] = tf.keep(kl);
      kept[`${prefix}total`] = tf.keep(total);
      kept[`${prefix}correct`] = tf.keep(correctCount(self.logits, labels));
      return total;
    };
    return tf.add(one(own, other, planned, studentVariables, ''), one(other, own, mirrored, peer.variables, 'peer.')) as tf.Scalar;
  }, [...studentVariables, ...peer.variables]);
  value.dispose();
  const pick = (variables: readonly tf.Variable[]) => Object.fromEntries(variables.map((v) => [v.name, grads[v.name]]));
  optimizer.applyGradients(pick(studentVariables));
  peer.optimizer.applyGradients(pick(peer.variables));
  for (const gradient of Object.values(grads)) gradient.dispose();
  batch.dispose();
  return {
    ce: kept.ce,
    kd: kept.kd,
    total: kept.total,
    correct: kept.correct,
    peer: { ce: kept['peer.ce'], kd: kept['peer.kd'], total: kept['peer.total'], correct: kept['peer.correct'] },
  };
}
