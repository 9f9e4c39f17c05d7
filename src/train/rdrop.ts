// R-Drop (Liang et al. 2021, "R-Drop: Regularized Dropout for Neural Networks"; github.com/dropreg/R-Drop):
// two forward passes of the student with dropout, CE averaged over both, plus
//   alpha * (KL(p1 || p2) + KL(p2 || p1)) / 2,   p_i = softmax(logits_i),
// the reference's compute_kl_loss. The reference sums the KL over the batch and leaves the
// reduction to the task; here it is summed over classes and averaged over samples, as the CE it
// is added to, so alpha means the same at every batch size.
//
// The students have no dropout layers: R-Drop drops out (rate 0.1) the embedding the logits
// layer reads, with its own seeded masks, during training only. A student that has them (an
// architecture with dropout trained as a student) runs its body twice: the loop seeded its dropout
// layers for the first pass (models/dropout.ts), the second pass draws theirs from its own seed.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRng } from '../core/rng';
import { reseedDropout } from '../models/dropout';

export const RDROP_DROPOUT_RATE = 0.1;

/** (KL(p || q) + KL(q || p)) / 2 of p = softmax(logitsP), q = softmax(logitsQ): summed over classes, averaged over the batch. */
export function symmetricKl(logitsP: tf.Tensor2D, logitsQ: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const logP = tf.logSoftmax(logitsP);
    const logQ = tf.logSoftmax(logitsQ);
    const difference = tf.sub(logP, logQ);
    // KL(p||q) + KL(q||p) = sum (p - q) (log p - log q): one pass, no log(0).
    const perSample = tf.sum(tf.mul(tf.sub(tf.exp(logP), tf.exp(logQ)), difference), 1);
    return tf.div(tf.mean(perSample), 2) as tf.Scalar;
  });
}

// Layers whose training-mode output is a fixed function of their input: a body made only of these
// gives the same values in both passes, so one forward serves both.
const DETERMINISTIC_LAYERS = new Set([
  'InputLayer', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense', 'Flatten', 'Reshape', 'Activation', 'ReLU',
  'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Add', 'Concatenate', 'ZeroPadding2D',
]);

/** What a training step needs for R-Drop. */
export interface RDropContext {
  alpha: number;
  /** Dropout rate on the embedding (RDROP_DROPOUT_RATE; 0 makes both passes identical). */
  rate: number;
  /**
   * The student from its input to [its tapped layers (the plan's, in order)..., the embedding the
   * logits layer reads]. Shares every weight with the student: never dispose it.
   */
  body: tfl.LayersModel;
  /** How many of body's outputs are the plan's taps. */
  tapCount: number;
  /** Which of body's outputs is the embedding: the one after the taps, or a tap's when a tap is the embedding. */
  embeddingIndex: number;
  /** The student's output layer: applied to the dropped-out embedding, it gives the logits. */
  classifier: tfl.layers.Layer;
  /** True when the body has no random or batch-dependent layer: one body pass serves both R-Drop passes. */
  sharedBody: boolean;
  /** Seeds of the dropout masks, two per step, from the run's seed. */
  nextSeed: () => number;
}

/**
 * R-Drop for a student: its body up to the embedding (plus the plan's student taps, so the
 * distillation terms still read the first pass's layers) and its output layer.
 */
export function createRDrop(student: tfl.LayersModel, tapNames: readonly string[], alpha: number, seed: number, rate = RDROP_DROPOUT_RATE): RDropContext {
  if (!(rate >= 0 && rate < 1)) throw new Error(`R-Drop dropout rate must be in [0, 1) (got ${rate})`);
  const classifier = student.outputs[0].sourceLayer as tfl.layers.Layer;
  const embedding = classifier.input;
  if (Array.isArray(embedding)) throw new Error(`R-Drop needs a student whose output layer has one input (${classifier.name} has ${embedding.length})`);
  const taps = tapNames.map((name) => {
    const layer = student.layers.find((candidate) => candidate.name === name);
    if (!layer) throw new Error(`R-Drop: the student has no layer "${name}"`);
    return layer.output as tfl.SymbolicTensor;
  });
  const tapIndex = taps.indexOf(embedding);
  const outputs = tapIndex >= 0 ? taps : [...taps, embedding];
  const body = tfl.model({ inputs: student.inputs, outputs, name: `${student.name}_rdrop` });
  const rng = createRng(seed);
  return {
    alpha,
    rate,
    body,
    tapCount: taps.length,
    embeddingIndex: tapIndex >= 0 ? tapIndex : taps.length,
    classifier,
    sharedBody: body.layers.every((layer) => DETERMINISTIC_LAYERS.has(layer.getClassName())),
    nextSeed: () => Math.floor(rng() * 2 ** 31),
  };
}

/** The two R-Drop passes of a batch (inside the optimiser's closure): logits of each, and the first pass's tap outputs. */
export function rdropForward(rdrop: RDropContext, images: tf.Tensor4D): { taps: tf.Tensor[]; logits: tf.Tensor2D; logits2: tf.Tensor2D } {
  const seeds = [rdrop.nextSeed(), rdrop.nextSeed()];
  const forward = () => [rdrop.body.apply(images, { training: true }) as tf.Tensor | tf.Tensor[]].flat();
  const first = forward();
  let second = first;
  if (!rdrop.sharedBody) {
    // Two different masks in the body's dropout layers too: the second pass's from its own seed.
    reseedDropout(rdrop.body, seeds[1], 0);
    second = forward();
  }
  const head = (outputs: tf.Tensor[], seed: number) =>
    rdrop.classifier.apply(tf.dropout(outputs[rdrop.embeddingIndex], rdrop.rate, undefined, seed)) as tf.Tensor2D;
  return { taps: first.slice(0, rdrop.tapCount), logits: head(first, seeds[0]), logits2: head(second, seeds[1]) };
}
