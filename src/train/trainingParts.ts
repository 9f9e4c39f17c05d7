// What the loop trains with besides the student and its distillation plan: the optimiser, DML's
// peer, label-free mode's mask, the teacher cache, R-Drop, the EMA and the dropout layers' seeding,
// assembled into the StepContext of trainStep. One owner frees them all.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createRng, deriveSeed, permutation } from '../core/rng';
import { getArchitecture } from '../models/architectures';
import { dropoutSeeding, type DropoutSeeding } from '../models/dropout';
import { isMutual, type ExperimentConfig } from './config';
import { buildDistillPlan, type DistillPlan } from './distillPlan';
import type { DatasetInfo } from '../data/types';
import { WeightEma } from './ema';
import { createOptimizer, disposeOptimizer, type ScheduledOptimizer } from './optimizers';
import { createRDrop } from './rdrop';
import type { RunData } from './runTypes';
import { prepareTeacherCache, type StopSignal } from './teacherCache';
import type { PeerContext, StepContext } from './trainStep';

/**
 * The fixed subset of training samples that keeps its labels in label-free mode: 1 for
 * round(fraction * count) samples (at least one) drawn from the seed, 0 for the others.
 */
export function labelledSubset(count: number, fraction: number, seed: number): Float32Array {
  const mask = new Float32Array(count);
  if (fraction >= 1) return mask.fill(1);
  const kept = Math.min(count, Math.max(1, Math.round(fraction * count)));
  const order = permutation(count, createRng(deriveSeed(seed, 'labelled')));
  for (let i = 0; i < kept; i++) mask[order[i]] = 1;
  return mask;
}

export interface TrainingParts {
  context: StepContext;
  /** The student's optimiser (context.optimizer), with its learning rate settable. */
  optimizer: ScheduledOptimizer;
  /** DML's peer student with its own optimiser, or null. */
  peer: (PeerContext & { optimizer: ScheduledOptimizer }) | null;
  /** The average of the student's weights, when config.emaDecay is on. */
  ema: WeightEma | null;
  /**
   * The dropout layers of the student and the peer, seeded before every step from the run's seed
   * (models/dropout.ts); null when neither has one. Their seeds are put back when the parts are freed.
   */
  dropout: DropoutSeeding | null;
  /** Training samples that keep their label (all of them outside label-free mode). */
  labelledCount: number;
  /** Whether the teacher's logits or tapped outputs were cached. */
  teacherCached: boolean;
  /** Free everything made here (a peer passed in stays the caller's). */
  dispose(): void;
}

export interface TrainingInputs {
  config: ExperimentConfig;
  data: RunData;
  student: tfl.LayersModel;
  /** null when no term reads a teacher. */
  teacher: tfl.LayersModel | null;
  plan: DistillPlan;
  /** DML's second student; absent: built from config.peerStudent (default: the student's architecture) with a seed derived from config.seed. */
  peer?: tfl.LayersModel;
  /** Cache the teacher's outputs when augmentation is off (default true). */
  cacheTeacher?: boolean;
  /** The teacher's logits for every training sample, shipped with it. */
  teacherLogits?: Float32Array | null;
  /** R-Drop's dropout rate (default RDROP_DROPOUT_RATE). */
  rdropRate?: number;
  /** The batch size of the teacher's cached forward passes. */
  evalBatchSize: number;
  /** The teacher-caching phase begins (no detail) and goes on (`done / total`). */
  onCaching?: (detail?: string) => void;
  stop: StopSignal;
}

/** Everything a step needs, built once before the first (the teacher cache can take a while: a stop ends it). */
export async function prepareTraining(inputs: TrainingInputs): Promise<TrainingParts> {
  const { config, data, student, teacher, plan } = inputs;
  const disposers: (() => void)[] = [];
  const dispose = () => disposers.splice(0).forEach((free) => free());
  try {
    const optimizer = createOptimizer(config);
    disposers.push(() => disposeOptimizer(optimizer));
    const studentVariables = student.trainableWeights.map((w) => w.read() as tf.Variable);
    const peer = isMutual(config) ? buildPeer(inputs, disposers) : null;
    const fraction = config.labelledFraction ?? 1;
    const mask = fraction < 1 ? labelledSubset(data.train.count, fraction, config.seed) : null;
    const labelled = mask ? tf.tensor1d(mask, 'float32') : null;
    if (labelled) disposers.push(() => labelled.dispose());
    const cache = await prepareTeacherCache({
      teacher,
      taps: plan.teacherTaps,
      train: data.train,
      numClasses: data.info.numClasses,
      wanted: teacher !== null && !config.augment && (inputs.cacheTeacher ?? true),
      shippedLogits: inputs.teacherLogits,
      batchSize: inputs.evalBatchSize,
      onPhase: inputs.onCaching,
      stop: inputs.stop,
    });
    disposers.push(() => {
      cache.logits?.dispose();
      if (cache.outputs) tf.dispose(cache.outputs);
    });
    const rdropAlpha = config.rdropAlpha ?? 0;
    const rdrop = rdropAlpha > 0 ? createRDrop(student, plan.studentTaps?.names ?? [], rdropAlpha, deriveSeed(config.seed, 'rdrop'), inputs.rdropRate) : null;
    const ema = config.emaDecay ? new WeightEma(studentVariables, config.emaDecay) : null;
    if (ema) disposers.push(() => ema.dispose());
    const dropout = dropoutSeeding([{ model: student, seed: config.seed }, ...(peer ? [{ model: peer.model, seed: deriveSeed(config.seed, 'peer') }] : [])]);
    if (dropout) disposers.push(() => dropout.restore());
    const context: StepContext = {
      student,
      studentVariables,
      optimizer,
      train: data.train,
      numClasses: data.info.numClasses,
      methodId: config.method,
      teacher,
      teacherCache: cache.logits,
      teacherOutputsCache: cache.outputs,
      weightDecay: config.weightDecay,
      augmentRng: config.augment ? createRng(deriveSeed(config.seed, 'augment')) : null,
      plan,
      labelled,
      peer,
      rdrop,
    };
    const labelledCount = mask ? mask.reduce((a, b) => a + b, 0) : data.train.count;
    return { context, optimizer, peer, ema, dropout, labelledCount, teacherCached: cache.logits !== null || cache.outputs !== null, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

/** A mutual run's second student: config.peerStudent (default: the student's architecture), seeded from config.seed. */
export function buildPeerModel(config: ExperimentConfig, info: Pick<DatasetInfo, 'inputShape' | 'numClasses'>): tfl.LayersModel {
  return getArchitecture(config.peerStudent ?? config.student).build(info.inputShape, info.numClasses, deriveSeed(config.seed, 'peer'));
}

/** The run's plan and, for a mutual method, its peer student; `dispose` frees the plan and a peer built here. */
export interface RunPlan {
  plan: DistillPlan;
  peer: tfl.LayersModel | undefined;
  dispose(): void;
}

/**
 * The distillation plan (buildDistillPlan: a refused layer pair fails before anything trains).
 * A mutual run's peer (`given`, else built here) comes first: a mutual method that reads layers
 * (UDML) taps the peer's as a distilling term taps the teacher's.
 */
export function planRun(
  config: ExperimentConfig,
  student: tfl.LayersModel,
  teacher: tfl.LayersModel | null,
  given: tfl.LayersModel | undefined,
  info: Pick<DatasetInfo, 'inputShape' | 'numClasses'>,
): RunPlan {
  const mutual = isMutual(config);
  const own = mutual && !given ? buildPeerModel(config, info) : null;
  const peer = given ?? own ?? undefined;
  try {
    const plan = buildDistillPlan(config, student, mutual ? (peer ?? null) : teacher, info.numClasses);
    const dispose = () => {
      plan.dispose();
      own?.dispose();
    };
    return { plan, peer, dispose };
  } catch (error) {
    own?.dispose();
    throw error;
  }
}

/** DML's (UDML's) second student and its optimiser (the model is freed with the parts only when built here). */
function buildPeer({ config, data, peer }: TrainingInputs, disposers: (() => void)[]): NonNullable<TrainingParts['peer']> {
  let model = peer;
  if (!model) {
    const built = buildPeerModel(config, data.info);
    disposers.push(() => built.dispose());
    model = built;
  }
  const optimizer = createOptimizer(config);
  disposers.push(() => disposeOptimizer(optimizer));
  return { model, variables: model.trainableWeights.map((w) => w.read() as tf.Variable), optimizer };
}
