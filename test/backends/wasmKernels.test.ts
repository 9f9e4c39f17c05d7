// The wasm backend's convolution gradients (src/backends/wasmKernels.ts) against the cpu backend's:
// dW and dx of conv2d for the paddings, strides and shapes the students use, agreeing to float
// rounding, and a whole training step of a CNN on wasm giving the cpu step's loss and weights.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareWasmTraining } from '../../src/backends/wasmKernels';
import { installFastCpuKernels } from '../../src/backends/cpuKernels';
import { getArchitecture } from '../../src/models/architectures';

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number;
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { x: [4, 8, 8, 1], filter: [3, 3, 1, 16], strides: 1, pad: 'same' },
  { x: [4, 8, 8, 16], filter: [3, 3, 16, 32], strides: 1, pad: 'same' },
  { x: [3, 9, 7, 5], filter: [3, 3, 5, 6], strides: 1, pad: 'valid' },
  { x: [2, 10, 10, 3], filter: [5, 5, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  // dW in the SIMD module: 16 + 8 + 4 output channels a call, taps that reach part of the image or none of it
  { x: [2, 5, 6, 3], filter: [3, 3, 3, 28], strides: 1, pad: 'same' },
  { x: [3, 4, 4, 2], filter: [5, 5, 2, 8], strides: 1, pad: 'same' },
  { x: [1, 2, 2, 1], filter: [5, 5, 1, 4], strides: 1, pad: 'same' },
  { x: [1, 3, 3, 1], filter: [3, 3, 1, 4], strides: 1, pad: 'valid' },
  // 23,040 floats of x and dy an image: dW sums over chunks of 2, 2 and 1 images
  { x: [5, 24, 24, 8], filter: [3, 3, 8, 32], strides: 1, pad: 'same' },
];

function seeded(shape: number[], seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  });
}

/** dW and dx of sum(conv2d(x, W) * g) on the current backend. */
function gradients(c: Case): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor4d(seeded(c.x, 1), c.x);
    const w = tf.tensor4d(seeded(c.filter, 2), c.filter);
    const out = tf.conv2d(x, w, c.strides, c.pad);
    const g = tf.tensor(seeded(out.shape, 3), out.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), g)))([x, w]);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  const scale = Math.max(...expected.map(Math.abs));
  return Math.max(...actual.map((v, i) => Math.abs(v - expected[i]))) / scale;
}

describe('wasm convolution gradients', () => {
  beforeAll(async () => {
    // The cpu side is what the lab and the CLI train with (test/backends/cpuKernels.test.ts compares it with tfjs' own).
    installFastCpuKernels();
    prepareWasmTraining();
    await tf.setBackend('wasm');
    await tf.ready();
  });

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(CASES)('dx and dW of conv2d %j match the cpu backend to float rounding', async (c) => {
    const onWasm = gradients(c);
    await tf.setBackend('cpu');
    const onCpu = gradients(c);
    await tf.setBackend('wasm');
    expect(onWasm.dw).toHaveLength(onCpu.dw.length);
    expect(onWasm.dx).toHaveLength(onCpu.dx.length);
    expect(maxRelativeError(onWasm.dw, onCpu.dw)).toBeLessThan(1e-5);
    expect(maxRelativeError(onWasm.dx, onCpu.dx)).toBeLessThan(1e-5);
  });

  it('the gradients (as a matrix product from 1 input channel, as a convolution from 16) leave no data on the wasm heap', () => {
    const before = tf.engine().backend.numDataIds();
    for (const c of CASES) gradients(c);
    expect(tf.engine().backend.numDataIds()).toBe(before);
  });

  it.each([
    { x: [4, 8, 8, 16], size: 2, strides: 2, pad: 'valid' },
    { x: [2, 7, 7, 3], size: 3, strides: 2, pad: 'same' },
    { x: [2, 6, 6, 2], size: 2, strides: 1, pad: 'valid' },
  ] as const)('dx of max pooling %j equals the cpu path\'s bit for bit, ties included', async (c) => {
    const grad = () =>
      tf.tidy(() => {
        // Rounded values: windows with equal maxima, where the first one must take the gradient.
        const x = tf.round(tf.mul(tf.tensor4d(seeded([...c.x], 5), [...c.x]), 4)) as tf.Tensor4D;
        const pooled = tf.maxPool(x, c.size, c.strides, c.pad);
        const g = tf.tensor(seeded(pooled.shape, 6), pooled.shape);
        return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.size, c.strides, c.pad), g)))(x).dataSync() as Float32Array;
      });
    const onWasm = grad();
    await tf.setBackend('cpu');
    const onCpu = grad();
    await tf.setBackend('wasm');
    expect(Array.from(onWasm)).toEqual(Array.from(onCpu));
  });

  it('dx of 2×2 pools in the SIMD module equals the cpu path\'s bit for bit with NaN, -Infinity and -0, and without', async () => {
    const shape: [number, number, number, number] = [2, 4, 6, 8];
    const values = Array.from(seeded(shape, 11), (v) => Math.max(0, Math.round(v * 8) / 4));
    // The first window of the first image: NaN in channels 0-3, -Infinity in 4-7 (no gradient at all).
    for (const position of [0, 8, 48, 56]) values.fill(NaN, position, position + 4).fill(-Infinity, position + 4, position + 8);
    values[16] = NaN; // the next window: one NaN, the other three compete
    const grad = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(values, shape);
        const upstream = seeded([2, 2, 3, 8], 12);
        upstream[1] = -0;
        const g = tf.tensor4d(upstream, [2, 2, 3, 8]);
        return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), g)))(x).dataSync() as Float32Array;
      });
    const onWasm = grad();
    await tf.setBackend('cpu');
    const onCpu = grad();
    await tf.setBackend('wasm');
    expect(Array.from(onWasm).map((v) => Object.is(v, -0) ? '-0' : v)).toEqual(Array.from(onCpu).map((v) => Object.is(v, -0) ? '-0' : v));
  });

  it('five Adam steps of tiny-cnn on wasm: the cpu losses and weights to 1e-4, no tensor left behind', async () => {
    const train = async () => {
      const model = getArchitecture('tiny-cnn', 'student').build([8, 8, 1], 10, 3);
      const optimizer = tf.train.adam(0.01);
      const x = tf.tensor4d(seeded([16, 8, 8, 1], 4), [16, 8, 8, 1]);
      const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), 'int32'), 10);
      const before = tf.memory().numTensors;
      const losses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar, true)!;
        losses.push(loss.dataSync()[0]);
        loss.dispose();
      }
      // Adam's moments are created on the first step and kept: 2 per weight, plus its 2 step counters.
      const kept = tf.memory().numTensors - before;
      const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
      tf.dispose([x, y]);
      optimizer.dispose();
      model.dispose();
      return { losses, weights, kept };
    };
    const onWasm = await train();
    await tf.setBackend('cpu');
    const onCpu = await train();
    await tf.setBackend('wasm');
    expect(onWasm.kept).toBe(onCpu.kept);
    onWasm.losses.forEach((loss, i) => expect(Math.abs(loss - onCpu.losses[i])).toBeLessThan(1e-4));
    expect(onWasm.losses[4]).toBeLessThan(onWasm.losses[0]);
    onWasm.weights.forEach((w, i) => expect(maxRelativeError(w, onCpu.weights[i])).toBeLessThan(1e-4));
  });
});

/** `compute` on wasm and on cpu, each read back as plain numbers. */
async function onBothBackends(compute: () => tf.Tensor): Promise<{ wasm: number[]; cpu: number[] }> {
  const read = () => tf.tidy(() => Array.from(compute().dataSync()));
  const wasm = read();
  await tf.setBackend('cpu');
  const cpu = read();
  await tf.setBackend('wasm');
  return { wasm, cpu };
}

describe('wasm kernels on the heap: gather, slices, bias sums, identity, transposed matrix products', () => {
  beforeAll(async () => {
    prepareWasmTraining();
    await tf.setBackend('wasm');
  });

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([
    { shape: [6, 3, 2, 1], dtype: 'float32' },
    { shape: [6, 4], dtype: 'float32' },
    { shape: [6], dtype: 'int32' },
  ] as const)('gathers rows of %j as the cpu backend does, repeats and any order included', async (c) => {
    const picks = [5, 0, 3, 3, 1];
    const { wasm, cpu } = await onBothBackends(() => {
      const values = seeded([...c.shape], 7).map((v) => (c.dtype === 'int32' ? Math.round(v * 100) : v));
      return tf.gather(tf.tensor(values, [...c.shape], c.dtype), tf.tensor1d(picks, 'int32'));
    });
    expect(wasm).toEqual(cpu);
  });

  it('gathers along another axis through the wasm kernel, and refuses an index out of range leaving no tensor', () => {
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    expect(Array.from(tf.gather(x, [2, 0], 1).dataSync())).toEqual([3, 1, 6, 4]);
    const before = tf.memory().numTensors;
    expect(() => tf.gather(x, tf.tensor1d([0, 2], 'int32'))).toThrow(/index value 2 is not in \[0, 1\]/);
    expect(tf.memory().numTensors).toBe(before + 1); // the indices tensor made inside the expect
    x.dispose();
  });

  it.each([
    { x: [3, 5, 4, 8], bias: [8] },
    { x: [6, 16], bias: [16] },
    { x: [2, 3, 6], bias: [6] }, // channels not a multiple of 4: the wasm kernel
    { x: [2, 4], bias: [2, 4] }, // no broadcast
  ])('x + bias of %j equals the cpu sum bit for bit, either operand first', async (c) => {
    for (const biasFirst of [false, true]) {
      const { wasm, cpu } = await onBothBackends(() => {
        const x = tf.tensor(seeded(c.x, 13), c.x);
        const bias = tf.tensor(seeded(c.bias, 14), c.bias);
        return biasFirst ? tf.add(bias, x) : tf.add(x, bias);
      });
      expect(wasm).toEqual(cpu);
    }
  });

  it.each([
    { shape: [3, 5, 4, 8], axis: [0, 1, 2], keepDims: false },
    { shape: [3, 5, 4, 8], axis: [0, 1, 2], keepDims: true },
    { shape: [3, 5, 4, 8], axis: [1, 0, 2], keepDims: false }, // added in that order: the wasm kernel
    { shape: [7, 2, 6], axis: 0, keepDims: false }, // 12 kept values, summed as 12 channels
    { shape: [7, 6], axis: 0, keepDims: false }, // 6 channels: the wasm kernel
    { shape: [7, 8], axis: 1, keepDims: false }, // the last axis: the wasm kernel
    { shape: [7, 8], axis: [0, 1], keepDims: false }, // every axis: the wasm kernel
  ])('sum of %j equals the wasm kernel\'s float32 sums bit for bit', async (c) => {
    const x = () => tf.tensor(seeded(c.shape, 15).map((v) => v * 1000), c.shape);
    const lab = tf.tidy(() => tf.sum(x(), c.axis, c.keepDims));
    // The same sums as the wasm kernel makes them: a transpose puts the axes last, then rows are added in order.
    const axes = tf.util.parseAxisParam(c.axis, c.shape);
    const kept = c.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const reference = tf.tidy(() => {
      const moved = tf.transpose(x(), [...kept, ...axes]);
      const rows = tf.reshape(moved, [kept.reduce((n, i) => n * c.shape[i], 1), -1]).arraySync() as number[][];
      const sums = rows.map((row) => row.reduce((sum, v) => Math.fround(sum + v), 0));
      return tf.tensor(sums, lab.shape);
    });
    expect(lab.shape).toEqual(reference.shape);
    expect(Array.from(lab.dataSync())).toEqual(Array.from(reference.dataSync()));
    tf.dispose([lab, reference]);
  });

  it.each([
    { shape: [6, 3, 2], begin: [2, 0, 0], size: [3, -1, -1], dtype: 'float32' }, // whole rows: one block
    { shape: [6, 3, 2], begin: [4, 1, 0], size: [1, 2, 2], dtype: 'float32' }, // inside one row: one block
    { shape: [6, 4], begin: [1, 1], size: [3, 2], dtype: 'float32' }, // not one block: the wasm kernel
    { shape: [5], begin: [1], size: [3], dtype: 'int32' },
  ] as const)('slice %j equals the cpu slice', async (c) => {
    const { wasm, cpu } = await onBothBackends(() => {
      const values = seeded([...c.shape], 16).map((v) => (c.dtype === 'int32' ? Math.round(v * 100) : v));
      return tf.slice(tf.tensor(values, [...c.shape], c.dtype), [...c.begin], [...c.size]);
    });
    expect(wasm).toEqual(cpu);
  });

  it('a clone shares the data (no copy) and outlives its source; nothing is left behind', () => {
    const before = tf.memory();
    const source = tf.tensor1d([1, 2, 3]);
    const clone = tf.clone(source);
    expect(clone.dataId).toBe(source.dataId);
    source.dispose();
    expect(Array.from(clone.dataSync())).toEqual([1, 2, 3]);
    clone.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });

  it.each([
    { a: [5, 3], b: [3, 4], transposeA: false, transposeB: false },
    { a: [3, 5], b: [3, 4], transposeA: true, transposeB: false },
    { a: [5, 3], b: [4, 3], transposeA: false, transposeB: true },
    { a: [3, 5], b: [4, 3], transposeA: true, transposeB: true },
    { a: [1, 3, 5], b: [1, 4, 3], transposeA: true, transposeB: true },
    { a: [2, 3, 5], b: [2, 3, 4], transposeA: true, transposeB: false },
    // batches of matrices (RKD's angles and their gradients), each through XNNPACK
    { a: [6, 5, 3], b: [6, 3, 4], transposeA: false, transposeB: false },
    { a: [6, 5, 3], b: [6, 4, 3], transposeA: false, transposeB: true },
    { a: [6, 3, 5], b: [6, 3, 4], transposeA: true, transposeB: false },
    { a: [2, 3, 4, 5], b: [2, 3, 4, 2], transposeA: true, transposeB: false },
    { a: [1, 5, 3], b: [4, 3, 2], transposeA: false, transposeB: false }, // broadcast: the kernel's own loop
    { a: [3, 0, 4], b: [3, 4, 2], transposeA: false, transposeB: false },
    { a: [2, 3, 0], b: [2, 0, 4], transposeA: false, transposeB: false }, // empty sums: zeros
  ] as const)('matMul %j equals the cpu product to float rounding, leaving no tensor', async (c) => {
    const before = tf.memory().numTensors;
    const { wasm, cpu } = await onBothBackends(() => tf.matMul(tf.tensor(seeded([...c.a], 8), [...c.a]), tf.tensor(seeded([...c.b], 9), [...c.b]), c.transposeA, c.transposeB));
    expect(wasm).toHaveLength(cpu.length);
    if (cpu.some((value) => value !== 0)) expect(maxRelativeError(Float32Array.from(wasm), Float32Array.from(cpu))).toBeLessThan(1e-6);
    else expect(wasm).toEqual(cpu); // empty products and empty sums: nothing, or zeros
    expect(tf.memory().numTensors).toBe(before);
  });
});
