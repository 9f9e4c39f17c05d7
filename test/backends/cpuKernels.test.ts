// The flat-array cpu kernels must compute exactly what tfjs' own Conv2DBackpropFilter and
// MaxPoolGrad compute. test/setup.ts does not install them, so this file first records tfjs'
// results, then installs the fast kernels and compares; a float64 reference written here
// checks both.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { installFastCpuKernels } from '../../src/backends/cpuKernels';

type Pad = 'same' | 'valid';
type Shape4 = [number, number, number, number];

/** Values from a fixed LCG in [-1, 1): no ties, reproducible without tfjs' RNG. */
function values(size: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: size }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2147483648 - 1;
  });
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** TensorFlow's output size and leading padding for one spatial dimension. */
function geometry(input: number, filter: number, stride: number, pad: Pad): { out: number; before: number } {
  if (pad === 'valid') return { out: Math.ceil((input - filter + 1) / stride), before: 0 };
  const out = Math.ceil(input / stride);
  const total = Math.max((out - 1) * stride + filter - input, 0);
  return { out, before: Math.floor(total / 2) };
}

/** dL/dW for y = conv2d(x, W), given dy; NHWC, float64. */
function referenceFilterGradient(x: Float32Array, xShape: Shape4, dy: Float32Array, filterShape: Shape4, strides: [number, number], pad: Pad): Float64Array {
  const [batch, height, width, inChannels] = xShape;
  const [fh, fw, , outChannels] = filterShape;
  const rows = geometry(height, fh, strides[0], pad);
  const cols = geometry(width, fw, strides[1], pad);
  const dw = new Float64Array(size(filterShape));
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < rows.out; oy++)
      for (let ox = 0; ox < cols.out; ox++)
        for (let kh = 0; kh < fh; kh++)
          for (let kw = 0; kw < fw; kw++) {
            const iy = oy * strides[0] + kh - rows.before;
            const ix = ox * strides[1] + kw - cols.before;
            if (iy < 0 || iy >= height || ix < 0 || ix >= width) continue;
            for (let ci = 0; ci < inChannels; ci++)
              for (let co = 0; co < outChannels; co++) {
                dw[((kh * fw + kw) * inChannels + ci) * outChannels + co] +=
                  x[((b * height + iy) * width + ix) * inChannels + ci] * dy[((b * rows.out + oy) * cols.out + ox) * outChannels + co];
              }
          }
  return dw;
}

/** dL/dx for y = maxPool(x), given dy: each window's gradient goes to its (unique) maximum. */
function referenceMaxPoolGradient(x: Float32Array, xShape: Shape4, dy: Float32Array, pool: [number, number], strides: [number, number], pad: Pad): Float64Array {
  const [batch, height, width, channels] = xShape;
  const rows = geometry(height, pool[0], strides[0], pad);
  const cols = geometry(width, pool[1], strides[1], pad);
  const dx = new Float64Array(x.length);
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < rows.out; oy++)
      for (let ox = 0; ox < cols.out; ox++)
        for (let c = 0; c < channels; c++) {
          let best = -Infinity;
          let at = -1;
          for (let ky = 0; ky < pool[0]; ky++)
            for (let kx = 0; kx < pool[1]; kx++) {
              const iy = oy * strides[0] + ky - rows.before;
              const ix = ox * strides[1] + kx - cols.before;
              if (iy < 0 || iy >= height || ix < 0 || ix >= width) continue;
              const index = ((b * height + iy) * width + ix) * channels + c;
              if (x[index] > best) [best, at] = [x[index], index];
            }
          dx[at] += dy[((b * rows.out + oy) * cols.out + ox) * channels + c];
        }
  return dx;
}

interface ConvCase {
  x: Shape4;
  filter: Shape4;
  strides: [number, number];
  pad: Pad;
}
const CONV_CASES: ConvCase[] = [
  { x: [2, 5, 5, 3], filter: [3, 3, 3, 4], strides: [1, 1], pad: 'same' },
  { x: [2, 7, 6, 2], filter: [3, 3, 2, 5], strides: [2, 2], pad: 'same' },
  { x: [2, 8, 8, 3], filter: [5, 5, 3, 2], strides: [2, 2], pad: 'same' }, // asymmetric padding
  { x: [1, 9, 9, 1], filter: [3, 3, 1, 2], strides: [2, 2], pad: 'valid' },
  { x: [3, 6, 7, 4], filter: [1, 1, 4, 3], strides: [1, 1], pad: 'valid' },
  { x: [1, 5, 7, 2], filter: [2, 3, 2, 2], strides: [2, 1], pad: 'same' },
  { x: [2, 8, 8, 16], filter: [3, 3, 16, 8], strides: [1, 1], pad: 'same' }, // the tiny CNN's block2
];

interface PoolCase {
  x: Shape4;
  pool: [number, number];
  strides: [number, number];
  pad: Pad;
}
const POOL_CASES: PoolCase[] = [
  { x: [2, 8, 8, 3], pool: [2, 2], strides: [2, 2], pad: 'valid' }, // the models' pooling
  { x: [1, 7, 7, 2], pool: [3, 3], strides: [2, 2], pad: 'same' },
  { x: [2, 5, 6, 1], pool: [2, 2], strides: [1, 1], pad: 'same' }, // overlapping windows
  { x: [1, 9, 9, 2], pool: [3, 3], strides: [3, 3], pad: 'valid' },
  { x: [1, 6, 6, 1], pool: [2, 3], strides: [1, 2], pad: 'same' },
  { x: [2, 7, 7, 4], pool: [2, 2], strides: [2, 2], pad: 'valid' }, // odd size: last row dropped
];

function filterGradient(c: ConvCase, seed: number): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(size(c.x), seed), c.x);
    const filter = tf.tensor4d(values(size(c.filter), seed + 1), c.filter);
    const outShape = tf.conv2d(x, filter, c.strides, c.pad).shape;
    const dy = tf.tensor(values(size(outShape), seed + 2), outShape);
    const gradient = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, c.strides, c.pad), dy)))(filter);
    return gradient.dataSync() as Float32Array;
  });
}

function maxPoolGradient(c: PoolCase, seed: number): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(size(c.x), seed), c.x);
    const outShape = tf.maxPool(x, c.pool, c.strides, c.pad).shape;
    const dy = tf.tensor(values(size(outShape), seed + 2), outShape);
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, c.pool, c.strides, c.pad), dy)))(x);
    return gradient.dataSync() as Float32Array;
  });
}

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  expect(worst).toBeLessThan(tolerance);
}

// tfjs' own kernels, recorded before the fast ones replace them.
const originalConv = tf.getKernel('Conv2DBackpropFilter', 'cpu')!.kernelFunc;
const originalPool = tf.getKernel('MaxPoolGrad', 'cpu')!.kernelFunc;
const tfjsConv = CONV_CASES.map((c, i) => filterGradient(c, 100 + i));
const tfjsPool = POOL_CASES.map((c, i) => maxPoolGradient(c, 200 + i));
const tiedWindows = () =>
  tf.tidy(() => tf.grad((input: tf.Tensor) => tf.sum(tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid')))(tf.zeros([1, 4, 4, 1]) as tf.Tensor4D).dataSync());
const tfjsTied = tiedWindows();
installFastCpuKernels();

describe('installFastCpuKernels', () => {
  it('replaces both cpu kernels, once', () => {
    const fastConv = tf.getKernel('Conv2DBackpropFilter', 'cpu')!.kernelFunc;
    const fastPool = tf.getKernel('MaxPoolGrad', 'cpu')!.kernelFunc;
    expect(fastConv).not.toBe(originalConv);
    expect(fastPool).not.toBe(originalPool);
    installFastCpuKernels();
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')!.kernelFunc).toBe(fastConv);
  });
});

describe('fast Conv2DBackpropFilter', () => {
  it.each(CONV_CASES.map((c, i) => [`x ${c.x.join('x')}, filter ${c.filter.join('x')}, stride ${c.strides.join(',')}, ${c.pad}`, i] as const))(
    'equals tfjs and the float64 reference: %s',
    (_, i) => {
      const c = CONV_CASES[i];
      const fast = filterGradient(c, 100 + i);
      expectAllClose(fast, tfjsConv[i]);
      const x = values(size(c.x), 100 + i);
      const outShape = tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape);
      const dy = values(size(outShape), 100 + i + 2);
      expectAllClose(fast, referenceFilterGradient(x, c.x, dy, c.filter, c.strides, c.pad));
    },
  );
});

describe('fast MaxPoolGrad', () => {
  it.each(POOL_CASES.map((c, i) => [`x ${c.x.join('x')}, pool ${c.pool.join('x')}, stride ${c.strides.join(',')}, ${c.pad}`, i] as const))(
    'equals tfjs and the float64 reference: %s',
    (_, i) => {
      const c = POOL_CASES[i];
      const fast = maxPoolGradient(c, 200 + i);
      expectAllClose(fast, tfjsPool[i]);
      const x = values(size(c.x), 200 + i);
      const outShape = tf.tidy(() => tf.maxPool(tf.zeros(c.x) as tf.Tensor4D, c.pool, c.strides, c.pad).shape);
      const dy = values(size(outShape), 200 + i + 2);
      expectAllClose(fast, referenceMaxPoolGradient(x, c.x, dy, c.pool, c.strides, c.pad));
    },
  );

  it('gives the whole gradient of a window of equal values (post-ReLU zeros) to the same position as tfjs', () => {
    const gradient = tiedWindows();
    // Four windows, each passes its gradient of 1 to exactly one of its four positions.
    expect(Array.from(gradient).filter((v) => v !== 0)).toEqual([1, 1, 1, 1]);
    expect(Array.from(gradient)).toEqual(Array.from(tfjsTied));
  });
});

describe('gradients through the fast kernels', () => {
  it('match finite differences on a conv -> relu -> maxpool network', () => {
    // Central finite differences on a small conv -> relu -> maxpool -> sum network, float32.
    const xValues = values(1 * 6 * 6 * 2, 300);
    const wValues = values(3 * 3 * 2 * 3, 301);
    const loss = (w: tf.Tensor) =>
      tf.tidy(() => tf.sum(tf.square(tf.maxPool(tf.relu(tf.conv2d(tf.tensor4d(xValues, [1, 6, 6, 2]), w as tf.Tensor4D, 1, 'same')), 2, 2, 'valid'))));
    const w = tf.tensor4d(wValues, [3, 3, 2, 3]);
    const analytic = tf.tidy(() => tf.grad(loss)(w).dataSync());
    const epsilon = 1e-2;
    for (const index of [0, 7, 20, 53]) {
      const plus = Float32Array.from(wValues);
      const minus = Float32Array.from(wValues);
      plus[index] += epsilon;
      minus[index] -= epsilon;
      const at = (weights: Float32Array) => tf.tidy(() => loss(tf.tensor4d(weights, [3, 3, 2, 3])).dataSync()[0]);
      const numeric = (at(plus) - at(minus)) / (2 * epsilon);
      expect(analytic[index]).toBeCloseTo(numeric, 2);
    }
    w.dispose();
  });
});
