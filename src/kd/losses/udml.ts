// UDML, PaddleClas' unified deep mutual learning (PP-ShiTu, Wei et al. 2021; PP-OCRv3): DML's two
// students, plus an L2 distance between their feature maps at chosen layers. For each network:
//   loss = DML(self, peer) + wDistance * sum over pairs of mean over B*H*W*C of (f_self - f_peer)^2
// with DML the lab's term (src/kd/losses/dml.ts: T^2 * KL(p_peer || p_self) / B) and the peer's
// logits and maps detached; both networks train, each with its own CE.
// As PaddleClas' UDML configuration (PaddlePaddle/PaddleClas@09817fe8595cb240438a5d630443f71ccfa5cc3c
// ppcls/configs/ImageNet/Distillation/PPLCNet_x2_5_udml.yaml): DistillationGTCELoss on both
// networks, DistillationDMLLoss on the logits and DistillationDistanceLoss (mode l2) on "blocks5",
// each weighted 1.0; DistillationDistanceLoss is DistanceLoss over the pair
// (PaddlePaddle/PaddleClas@16d21946be55eca28a0fbbd4e4d09c6dd85c60ad ppcls/loss/distillationloss.py),
// and DistanceLoss("l2") is MSELoss, the mean over every entry
// (PaddlePaddle/PaddleClas@21fedfe5cddad486ece59fc5c7cb2665e4bc11ed ppcls/loss/distanceloss.py).
// Differences: PaddleClas backpropagates one MSE(f_1, f_2) into both networks; here each network
// has its own MSE with the other detached, which gives each the same gradient, 2 (f_self - f_peer) / N
// (the reported value is each network's own). Its DMLLoss
// (PaddlePaddle/PaddleClas@024ddbd5b9aaa0a28254713c474e7c79acbaeffc ppcls/loss/dmlloss.py) is the mean
// of KL(p_2 || p_1) and KL(p_1 || p_2), differentiated through both; the lab keeps its DML term
// (Zhang's KL(peer || self) per network), so UDML with wDistance 0, or two equal maps, is DML.
// The maps must have one shape (the method table's pairSize 'identical'): the reference compares
// two copies of one architecture.
import * as tf from '@tensorflow/tfjs-core';
import type { DistillInputs, DistillMethod } from '../types';
import { methodSpec } from '../methods';
import { describeSample, featurePairs, type FeaturePair } from '../inputs';
import { connectorPicture } from '../matched';
import { detach } from '../ops';
import { dml } from './dml';

const LABEL = 'UDML';

/**
 * What UDML's distance compares: for each pair, the network's own map minus its peer's, entry by
 * entry (NHWC, the shape of both). The distance term is the mean of their squares, summed over the
 * pairs; a view can draw them. Refuses maps of different shapes. The caller owns the tensors.
 */
export function udmlFeatureDifferences(pairs: readonly FeaturePair[]): tf.Tensor4D[] {
  pairs.forEach(([own, peer], index) => {
    if (own.shape.some((size, axis) => size !== peer.shape[axis])) {
      throw new Error(
        `${LABEL} pair ${index + 1}: student ${describeSample(own.shape)} and peer ${describeSample(peer.shape)} must have the same shape ` +
          '(the distance compares the two maps entry by entry); pick layers of one shape',
      );
    }
  });
  return pairs.map(([own, peer]) => tf.sub(own, peer));
}

export const udml: DistillMethod = {
  ...methodSpec('udml'),
  compute(inputs: DistillInputs, params): tf.Scalar {
    const pairs = featurePairs(inputs, LABEL);
    return tf.tidy(() => {
      // DML's parameters (the temperature) are UDML's but for wDistance, which DML does not read.
      const mutual = dml.compute(inputs, params);
      const differences = udmlFeatureDifferences(pairs.map(([own, peer]) => [own, detach(peer)] as const));
      const distance = tf.addN(differences.map((difference) => tf.mean(tf.square(difference))));
      return tf.add(mutual, tf.mul(distance, params.wDistance)) as tf.Scalar;
    });
  },
  // The distance term's maps (docs/ARCHITECTURE.md §4.6): each pair's two maps and the squared
  // difference the term averages; the DML term on the logits is not drawn.
  matched: {
    over: 'image',
    pictures(inputs) {
      const pairs = featurePairs(inputs, LABEL);
      return tf.tidy(() => {
        const detached = pairs.map(([own, peer]) => [own, detach(peer)] as const);
        return udmlFeatureDifferences(detached).map((difference, layer) =>
          connectorPicture(layer, detached[layer][0], detached[layer][1], tf.square(difference), {
            student: "This student's map, channel mean",
            teacher: "Peer's map, channel mean",
            difference: '(f_student − f_peer)² per position, channel mean: the distance term is its mean, summed over pairs',
          }),
        );
      });
    },
  },
};
