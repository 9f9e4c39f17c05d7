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
  /**
   * The trainable connectors of a method that has them (fitnet, mgd, vid, afd), made once per run by
   * `method.createLearnable` and trained with the student. When absent, `compute` builds
   * deterministic ones (seed 0) for this one call and frees them: right for checking values,
   * useless for training.
   */
  learnable?: LearnableParts;
  /**
   * Uniform [0, 1) source for methods that sample (MGD's random channel mask). When absent, the
   * method uses the seeded stream of its learnable parts, so a run is reproducible from its seed.
   */
  random?: () => number;
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

/**
 * How the training loop weights the method's term against hard-label CE (see mixing.ts):
 * 'ratio' is docs/ARCHITECTURE.md §4.2's kd_ratio (w_ce = 1 - r below 1: the classroom slider, Hinton KD);
 * 'additive' is what the other references train: CE + weight * term (w_ce = 1).
 */
export type MixingRule = 'ratio' | 'additive';

/**
 * Which layer outputs the training loop feeds the method, and the references' default choice.
 * - 'logits': none (the logits are always given).
 * - 'features': the chosen student/teacher layers, paired by position, as NHWC feature maps;
 *   by default the last `defaultBlocks` conv blocks of each network. For a mutual method (UDML)
 *   the teacher's side is the peer student's.
 * - 'embedding': the last chosen layer of each network, flattened per sample, as the embedding
 *   (default: the `embedding` tap, the penultimate layer); the layers listed before it are
 *   feature-map pairs, as many as `extraFeaturePairs` allows (IRG's transformation: 0 or 2).
 */
export type LayerUse =
  | { reads: 'logits' }
  | {
      reads: 'features';
      defaultBlocks: number;
      /**
       * What the loss asks of a pair's heights and widths (absent: nothing, it pools both to a
       * common size or flattens them). 'pooled': the larger map is pooled to the smaller's height,
       * square (AT, NST and VID, as RepDistiller), so both must end up one size. 'equal': equal
       * heights and widths, as MGD's reference asserts; its default pairs then take the
       * student's block of the teacher's size. The PyTorch export refuses other pairs before it
       * writes train.py (src/train/layerPairs.ts); the lab's loss refuses them itself.
       * 'identical': equal heights, widths and channel counts (UDML's distance compares the two
       * maps entry by entry); its default pairs take the student's block of the other side's shape.
       */
      pairSize?: 'pooled' | 'equal' | 'identical';
      /**
       * The fewest pairs a term may read (absent: 1). AFD attends over the chosen layers: with one
       * pair its attention is 1 and its learned queries and keys get no gradient, so the layer
       * choice refuses fewer than two (src/train/layerPairs.ts); the loss itself computes any count.
       */
      minPairs?: number;
    }
  | { reads: 'embedding'; extraFeaturePairs: readonly number[] };

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
  /** The reference's default loss weight (kd_ratio in docs/ARCHITECTURE.md §4.2 terms). */
  defaultWeight: number;
  /** How the weight mixes with CE in training (mixing.ts). */
  mixing: MixingRule;
  /** Which layers the training loop feeds it and which it picks by default. */
  layers: LayerUse;
}

/**
 * The shapes of one student/teacher feature pair, NHWC, with or without the batch dimension
 * (connectors only read the channel count, the last entry).
 */
export interface FeaturePairShape {
  student: readonly number[];
  teacher: readonly number[];
}

/**
 * Trainable connectors that belong to the loss, not to the student (FitNet's regressor, MGD's
 * align conv and generator, VID's regressor and variances, AFD's queries, keys and positions). The training loop adds `variables`
 * to the optimiser's list and calls `dispose` at the end of the run; they are never exported
 * with the student model.
 */
export interface LearnableParts {
  /** Id of the method that made them; `compute` refuses parts made by another method. */
  readonly method: string;
  /** How many feature pairs they were built for. */
  readonly pairCount: number;
  readonly variables: readonly tf.Variable[];
  dispose(): void;
}

/**
 * One picture of what a loss compares (docs/ARCHITECTURE.md §4.6), as tensors the caller owns.
 * `layer` says where it was read: a feature pair's index (in the term's pairs), the embedding or
 * the logits; a 'layer-pairs' picture reads every pair of the term. For a mutual method (UDML) the
 * `teacher` side is the peer student's.
 */
export type MatchedPicture =
  | {
      /**
       * Per-position maps of one layer pair, one per sample, [B, h, w]: the student's side (after
       * its connector when the method has one), the teacher's, and how they differ.
       */
      kind: 'map';
      layer: number;
      student: tf.Tensor3D;
      teacher: tf.Tensor3D;
      difference: tf.Tensor3D;
      /** 'signed': student − teacher (drawn around 0); 'cost': the loss's own per-position term. */
      differenceKind: 'signed' | 'cost';
      captions: { student: string; teacher: string; difference: string };
    }
  | {
      /** A matrix over a batch's samples, [B, B], or samples by classes, [B, C]. */
      kind: 'relation';
      layer: number | 'embedding' | 'logits';
      student: tf.Tensor2D;
      teacher: tf.Tensor2D;
      columns: 'samples' | 'classes';
      caption: string;
    }
  | {
      /**
       * Every chosen teacher layer (rows) against every chosen student layer (columns), [T, S],
       * each averaged over the batch (AFD): the attention each teacher layer gives each student
       * layer (rows sum to 1), the distance that attention weighs, and attention × distance, whose
       * entries sum to the term.
       */
      kind: 'layer-pairs';
      attention: tf.Tensor2D;
      distance: tf.Tensor2D;
      weighted: tf.Tensor2D;
      captions: { attention: string; distance: string; weighted: string };
    };

/**
 * What a loss compares, computed by the very functions its `compute` calls, so a picture of it
 * cannot show something the loss does not compare (src/train/matchedView.ts draws them).
 */
export interface MatchedQuantities {
  /** 'image': per-sample maps (drawn for one image); 'batch': relations between a batch's samples. */
  readonly over: 'image' | 'batch';
  /** The pictures for these inputs, as `compute` reads them: new tensors the caller owns, nothing else left behind. */
  pictures(inputs: DistillInputs, params: ResolvedParams): MatchedPicture[];
}

export interface DistillMethod extends MethodSpec {
  /** The distillation term only, as the reference computes it (no CE, no weight, no warmup). */
  compute(inputs: DistillInputs, params: ResolvedParams): tf.Scalar;
  /** What the loss compares, as pictures; absent for a method the matched view does not draw. */
  matched?: MatchedQuantities;
  /**
   * Only for methods with trainable connectors: build them for these feature pairs, initialised
   * as the reference initialises them, from a seeded stream.
   */
  createLearnable?(pairs: readonly FeaturePairShape[], seed: number): LearnableParts;
}

declare const resolvedMark: unique symbol;

/**
 * A method's parameters with every one present (resolveParams fills the defaults of the method's
 * ParamSpecs): what `compute` receives, so a loss never states a default a second time.
 */
export type ResolvedParams = Readonly<Record<string, number>> & { readonly [resolvedMark]: true };
