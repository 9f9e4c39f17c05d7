// UDML (PaddleClas: DistillationDMLLoss + DistillationDistanceLoss l2 on one block): the lab's DML
// term plus wDistance times the mean squared difference of the two students' maps, in float64;
// a case by hand; its identities (DML again when the maps are equal or the weight is 0, the
// drawn differences, a distance the same from either side) and its refusal of maps of two shapes.
// The peer's detachment and ownership are the contract's (contract.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { computeDistillLoss, getMethod } from '../../../src/kd';
import { udmlFeatureDifferences } from '../../../src/kd/losses/udml';
import { expectClose, flatAll, logSoftmax, mean, randomMatrix, randomNhwc, sum, tensor4d, valueOf, type Nested2, type Nested4 } from './lossTestKit';

interface Side {
  logits: Nested2;
  maps: Nested4[];
}

/** DML's T^2 * sum_b KL(softmax(peer_b / T) || softmax(self_b / T)) / B in float64. */
function referenceDml(self: Nested2, peer: Nested2, temperature: number): number {
  let total = 0;
  self.forEach((row, b) => {
    const logSelf = logSoftmax(row.map((v) => v / temperature));
    const logPeer = logSoftmax(peer[b].map((v) => v / temperature));
    logPeer.forEach((lp, c) => {
      total += Math.exp(lp) * (lp - logSelf[c]);
    });
  });
  return (temperature * temperature * total) / self.length;
}

/** PaddleClas' DistanceLoss("l2") = MSELoss: the mean over every entry of (f_self - f_peer)^2, summed over pairs. */
const referenceDistance = (self: Nested4[], peer: Nested4[]): number =>
  sum(self.map((map, i) => mean(flatAll(map).map((v, k) => (v - flatAll(peer[i])[k]) ** 2))));

function udmlValue(self: Side, peer: Side, params?: Record<string, number>): number {
  return valueOf(
    tf.tidy(() =>
      computeDistillLoss(
        'udml',
        {
          studentLogits: tf.tensor2d(self.logits),
          teacherLogits: tf.tensor2d(peer.logits),
          labels: tf.zeros([self.logits.length], 'int32'),
          studentFeatures: self.maps.map(tensor4d),
          teacherFeatures: peer.maps.map(tensor4d),
        },
        params,
      ),
    ),
  );
}

const dmlValue = (self: Nested2, peer: Nested2, params?: Record<string, number>) =>
  valueOf(
    tf.tidy(() =>
      computeDistillLoss('dml', { studentLogits: tf.tensor2d(self), teacherLogits: tf.tensor2d(peer), labels: tf.zeros([self.length], 'int32') }, params),
    ),
  );

function side(seed: number, shapes: [number, number, number, number][]): Side {
  return { logits: randomMatrix(seed, shapes[0][0], 5, 2), maps: shapes.map((shape, i) => randomNhwc(seed + 1 + i, shape, 1, true)) };
}

describe('udml', () => {
  it('is a mutual method reading maps of one shape, with DML\'s T 1, a distance weight 1 and weight 1 (PaddleClas\' UDML config)', () => {
    const method = getMethod('udml');
    expect(method.kind).toBe('mutual');
    expect(method.params.map((p) => [p.name, p.default])).toEqual([
      ['temperature', 1],
      ['wDistance', 1],
    ]);
    expect(method.defaultWeight).toBe(1);
    expect(method.layers).toEqual({ reads: 'features', defaultBlocks: 1, pairSize: 'identical' });
  });

  it('matches float64: DML\'s KL(peer || self) plus wDistance times the MSE of the maps, summed over pairs', () => {
    const shapes: [number, number, number, number][] = [
      [4, 4, 4, 3],
      [4, 2, 2, 6],
    ];
    const self = side(801, shapes);
    const peer = side(811, shapes);
    for (const [temperature, wDistance] of [[1, 1], [3, 0.5], [2, 10]]) {
      const expected = referenceDml(self.logits, peer.logits, temperature) + wDistance * referenceDistance(self.maps, peer.maps);
      expectClose(udmlValue(self, peer, { temperature, wDistance }), expected);
    }
    expectClose(udmlValue({ ...self, maps: self.maps.slice(0, 1) }, { ...peer, maps: peer.maps.slice(0, 1) }), referenceDml(self.logits, peer.logits, 1) + referenceDistance(self.maps.slice(0, 1), peer.maps.slice(0, 1)));
  });

  it('gives the hand-computed value: equal logits, maps [1, 2] against [3, 2]: 0 + 0.5 * (4 + 0) / 2 = 1', () => {
    const logits = [[0.3, -1, 2]];
    expectClose(udmlValue({ logits, maps: [[[[[1], [2]]]]] }, { logits, maps: [[[[[3], [2]]]]] }, { wDistance: 0.5 }), 1);
  });

  it('is DML when the two maps are equal or the distance weight is 0, and adds only the distance otherwise', () => {
    const shapes: [number, number, number, number][] = [[3, 4, 4, 2]];
    const self = side(821, shapes);
    const peer = side(831, shapes);
    expect(udmlValue(self, { ...peer, maps: self.maps })).toBe(dmlValue(self.logits, peer.logits));
    expect(udmlValue(self, peer, { wDistance: 0, temperature: 2 })).toBe(dmlValue(self.logits, peer.logits, { temperature: 2 }));
    expectClose(udmlValue(self, peer) - dmlValue(self.logits, peer.logits), referenceDistance(self.maps, peer.maps));
  });

  it('compares the maps the loss compares: own minus peer, entry by entry; the distance is the same from either side', () => {
    const shapes: [number, number, number, number][] = [[2, 2, 2, 3]];
    const self = side(841, shapes);
    const peer = side(851, shapes);
    const differences = tf.tidy(() => udmlFeatureDifferences([[tensor4d(self.maps[0]), tensor4d(peer.maps[0])]]).map((d) => d.arraySync() as Nested4));
    flatAll(differences[0]).forEach((d, k) => expectClose(d, flatAll(self.maps[0])[k] - flatAll(peer.maps[0])[k]));
    const distanceOf = (a: Side, b: Side) => udmlValue(a, b) - dmlValue(a.logits, b.logits);
    expectClose(distanceOf(self, peer), distanceOf(peer, self));
  });

  it('refuses maps of two shapes, naming both', () => {
    const self = side(861, [[2, 4, 4, 3]]);
    const peer = side(871, [[2, 4, 4, 4]]);
    expect(() => udmlValue(self, peer)).toThrow(/UDML pair 1: student \[4,4,3\] and peer \[4,4,4\] must have the same shape/);
    const pooled = side(881, [[2, 2, 2, 3]]);
    expect(() => udmlValue(self, pooled)).toThrow(/UDML pair 1: student \[4,4,3\] and peer \[2,2,3\]/);
  });
});
