// The convolution, bias-sum, broadcast, ReLU and gather kernels of src/backends/cpuConv.ts add in the same order as
// tfjs-cpu's own, so after installFastCpuKernels every result must be bit-identical to tfjs':
// this file records tfjs' results on random shapes first, then installs the kernels and compares.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  conv2DBackpropFilterGemm,
  conv2DBackpropFilterNHWC,
  conv2DBackpropInputNHWC,
  conv2DForwardGemm,
  conv2DForwardNHWC,
} from '../../src/backends/cpuConv';
import { installFastCpuKernels } from '../../src/backends/cpuKernels';

type Shape4 = [number, number, number, number];

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/** Values in [-1, 1) with about a third exact zeros, as post-ReLU activations have. */
function values(size: number, seed: number): Float32Array {
  const next = lcg(seed);
  return Float32Array.from({ length: size }, () => (next() < 0.33 ? 0 : next() * 2 - 1));
}

interface ConvCase {
  x: Shape4;
  filter: Shape4;
  strides: [number, number];
  pad: 'same' | 'valid';
}

/** Random convolutions: batch 1-3, sides 3-12, filters 1-5, channels 1-9 (not only multiples of 4). */
function randomConvCases(count: number, seed: number): ConvCase[] {
  const next = lcg(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return Array.from({ length: count }, () => {
    const fh = int(1, 5);
    const fw = int(1, 5);
    const pad: ConvCase['pad'] = next() < 0.5 ? 'same' : 'valid';
    return {
      x: [int(1, 3), int(Math.max(3, fh), 12), int(Math.max(3, fw), 12), int(1, 9)] as Shape4,
      filter: [fh, fw, 0, int(1, 9)] as Shape4,
      strides: [int(1, 3), int(1, 3)] as [number, number],
      pad,
    };
  }).map((c) => ({ ...c, filter: [c.filter[0], c.filter[1], c.x[3], c.filter[3]] as Shape4 }));
}

const MODEL_CASES: ConvCase[] = [
  { x: [4, 28, 28, 1], filter: [3, 3, 1, 8], strides: [1, 1], pad: 'same' }, // tiny-cnn block1 on MNIST
  { x: [4, 14, 14, 8], filter: [3, 3, 8, 16], strides: [1, 1], pad: 'same' }, // tiny-cnn block2
  { x: [2, 14, 14, 16], filter: [3, 3, 16, 32], strides: [1, 1], pad: 'same' }, // teacher-cnn block2
];
const CASES = [...MODEL_CASES, ...randomConvCases(24, 7)];
const label = (c: ConvCase) => `x ${c.x.join('x')}, filter ${c.filter.join('x')}, stride ${c.strides.join(',')}, ${c.pad}`;

/** Forward output and both gradients of sum(conv2d(x, w) * dy), as flat arrays. */
function convolution(c: ConvCase, seed: number): { y: Float32Array; dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const x = tf.tensor4d(values(size(c.x), seed), c.x);
    const w = tf.tensor4d(values(size(c.filter), seed + 1), c.filter);
    const y = tf.conv2d(x, w, c.strides, c.pad);
    const dy = tf.tensor(values(size(y.shape), seed + 2), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), dy)))([x, w]);
    return { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

/** Bias sums, broadcast arithmetic, ReLU and its gradient mask, batch gathers: as a step uses them. */
function biasAndBroadcast(seed: number): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(3 * 5 * 6 * 7, seed), [3, 5, 6, 7]);
    const bias = tf.tensor1d(values(7, seed + 1));
    const scalar = tf.scalar(0.37);
    const rows = tf.tensor2d(values(1 * 7, seed + 2), [1, 7]);
    return [
      tf.sum(x, [0, 1, 2]),
      tf.sum(x, [0, 1, 2], true),
      tf.sum(x, 0),
      tf.sum(x), // every axis
      tf.sum(x, [1, 2]), // not leading: tfjs' own kernel
      tf.add(x, bias),
      tf.add(bias, x),
      tf.mul(x, scalar),
      tf.mul(scalar, x),
      tf.add(x, rows),
      tf.mul(x, tf.tensor4d(values(3 * 1 * 6 * 7, seed + 3), [3, 1, 6, 7])), // middle axis: tfjs' own
      tf.add(x, tf.tensor4d(values(3 * 5 * 6 * 7, seed + 4), [3, 5, 6, 7])),
      tf.relu(tf.concat([tf.reshape(x, [-1]), tf.tensor1d([NaN, -0, Infinity, -Infinity])])),
      tf.step(tf.concat([tf.reshape(x, [-1]), tf.tensor1d([NaN, -0, Infinity])]), 0.25),
      tf.gather(x, tf.tensor1d([2, 0, 2, 1], 'int32')),
      tf.gather(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32'), tf.tensor1d([1, 1, 0], 'int32')),
      tf.gather(x, tf.tensor1d([4, 1], 'int32'), 2), // not axis 0: tfjs' own
    ].map((t) => t.dataSync() as Float32Array);
  });
}

/** matMul in every transpose, batched and broadcast, k over tfjs' block of 48; the fused kernels inference runs. */
function matMulsAndFused(seed: number): Float32Array[] {
  return tf.tidy(() => {
    const t = (shape: number[], s: number) => tf.tensor(values(shape.reduce((a, b) => a * b, 1), s), shape);
    const a = t([5, 100], seed);
    const b = t([100, 7], seed + 1);
    const x = t([2, 6, 5, 3], seed + 4);
    const w = t([3, 3, 3, 5], seed + 5);
    const bias = t([5], seed + 6);
    return [
      tf.matMul(a, b),
      tf.matMul(a, t([7, 100], seed + 2), false, true),
      tf.matMul(t([100, 5], seed + 3), b, true, false),
      tf.matMul(t([100, 5], seed + 3), t([7, 100], seed + 2), true, true),
      tf.matMul(t([3, 4, 50], seed + 7), t([3, 50, 6], seed + 8)),
      tf.matMul(t([3, 4, 50], seed + 7), t([1, 50, 6], seed + 9)),
      tf.fused.matMul({ a, b, bias: t([7], seed + 10), activation: 'relu' }),
      tf.fused.matMul({ a, b, bias: t([7], seed + 10) }),
      tf.fused.matMul({ a, b, activation: 'elu' }), // not fused here: tfjs' own
      tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias, activation: 'relu' }),
      tf.fused.conv2d({ x: x as tf.Tensor4D, filter: t([2, 2, 3, 4], seed + 11) as tf.Tensor4D, strides: 2, pad: 'valid' }),
      tf.fused.conv2d({ x: t([2, 6, 5, 8], seed + 12) as tf.Tensor4D, filter: t([3, 3, 8, 5], seed + 13) as tf.Tensor4D, strides: 1, pad: 'same', bias }),
    ].map((r) => r.dataSync() as Float32Array);
  });
}

const tfjsMatMuls = matMulsAndFused(77);
const tfjsConvolutions = CASES.map((c, i) => convolution(c, 1000 + 10 * i));
const tfjsBroadcast = biasAndBroadcast(55);
const KERNELS = ['Conv2D', 'Conv2DBackpropInput', 'Sum', 'Add', 'Multiply', 'Relu', 'Step', 'GatherV2', 'BatchMatMul', '_FusedMatMul', 'FusedConv2D'];
const originals = KERNELS.map((name) => tf.getKernel(name, 'cpu')!.kernelFunc);
installFastCpuKernels();

describe('the bit-identical cpu kernels', () => {
  it('replace tfjs-cpu Conv2D, Conv2DBackpropInput, Sum, Add, Multiply, Relu, Step, GatherV2, BatchMatMul and the fused kernels', () => {
    KERNELS.forEach((name, i) => expect(tf.getKernel(name, 'cpu')!.kernelFunc).not.toBe(originals[i]));
  });

  it.each(CASES.map((c, i) => [label(c), i] as const))('convolution, input and filter gradients equal tfjs bit for bit: %s', (_, i) => {
    const fast = convolution(CASES[i], 1000 + 10 * i);
    const reference = tfjsConvolutions[i];
    expect(fast.y).toEqual(reference.y);
    expect(fast.dx).toEqual(reference.dx);
    expect(fast.dw).toEqual(reference.dw);
    expect(fast.dw.some((v) => v !== 0)).toBe(true);
  });

  it.each(CASES.map((c, i) => [label(c), i] as const))('both forward and both filter-gradient loops equal tfjs bit for bit: %s', (_, i) => {
    const c = CASES[i];
    const seed = 1000 + 10 * i;
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
    const x = values(size(c.x), seed);
    const w = values(size(c.filter), seed + 1);
    const dy = values(size(info.outShape), seed + 2);
    const reference = tfjsConvolutions[i];
    expect(conv2DForwardNHWC(x, w, info)).toEqual(reference.y);
    expect(conv2DForwardGemm(x, w, info)).toEqual(reference.y);
    expect(conv2DBackpropInputNHWC(dy, w, info)).toEqual(reference.dx);
    expect(conv2DBackpropFilterNHWC(x, dy, info)).toEqual(reference.dw);
    expect(conv2DBackpropFilterGemm(x, dy, info)).toEqual(reference.dw);
  });

  it('bias sums and broadcast add/multiply equal tfjs bit for bit', () => {
    const fast = biasAndBroadcast(55);
    expect(fast.map((a) => a.length)).toEqual(tfjsBroadcast.map((a) => a.length));
    fast.forEach((result, i) => expect(result).toEqual(tfjsBroadcast[i]));
  });

  it('matMul (every transpose, batched, broadcast) and the fused matMul and convolution equal tfjs bit for bit', () => {
    const fast = matMulsAndFused(77);
    expect(fast.map((a) => a.length)).toEqual(tfjsMatMuls.map((a) => a.length));
    fast.forEach((result, i) => expect(result).toEqual(tfjsMatMuls[i]));
  });

  it('gather refuses an index outside the tensor, as tfjs does', () => {
    expect(() => tf.tidy(() => tf.gather(tf.ones([3, 2]), tf.tensor1d([3], 'int32')))).toThrow(/not in \[0, 2\]/);
  });

  it('keep the shapes tfjs gives', () => {
    tf.tidy(() => {
      const x = tf.ones([2, 3, 4, 5]);
      expect(tf.sum(x, [0, 1, 2], true).shape).toEqual([1, 1, 1, 5]);
      expect(tf.sum(x, [1, 0]).shape).toEqual([4, 5]);
      expect(tf.add(tf.ones([5]), x).shape).toEqual([2, 3, 4, 5]);
      expect(tf.mul(x, tf.ones([1, 1, 4, 5])).shape).toEqual([2, 3, 4, 5]);
      expect(tf.conv2d(x as tf.Tensor4D, tf.ones([3, 3, 5, 6]) as tf.Tensor4D, 2, 'same').shape).toEqual([2, 2, 2, 6]);
    });
  });
});
