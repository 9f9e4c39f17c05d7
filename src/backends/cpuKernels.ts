// tfjs-backend-cpu computes the conv filter gradient and the max-pool gradient through
// TensorBuffer.get per element, 10-60x slower than its own forward kernels: a 9k-parameter CNN
// step took 3 s in Node. This file registers flat-array versions of the same two kernels
// (same maths; NHWC, dilation 1) for 'cpu' only; other layouts go to the original kernels.
// It also registers the bit-identical kernels of cpuConv.ts (forward convolution, its input
// gradient, bias sums, broadcast add/multiply), where a training step spent the rest of its time.
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import {
  batchMatMulBlocked,
  broadcastTrailing,
  conv2DBackpropFilterGemm,
  conv2DBackpropFilterNHWC,
  conv2DBackpropInputNHWC,
  conv2DForwardGemm,
  conv2DForwardNHWC,
  sumLeadingRows,
} from './cpuConv';
import { overrideKernels, type KernelOverride } from './kernelOverrides';

interface CpuBackendLike {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32' | 'int32', values: Float32Array): TensorInfo;
}

interface BackpropFilterAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * dx of max pooling whose windows tile the input (stride = window, no padding: the models'
 * 2×2 pools): the same first-maximum rule, with the channels innermost so every read is
 * contiguous. 4-7x faster than the general loop on a 28×28×8 batch of 64.
 */
function maxPoolGradTiled(x: Float32Array, dy: Float32Array, info: tf.backend_util.Conv2DInfo, dx: Float32Array): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, filterHeight, filterWidth } = info;
  if (filterHeight === 2 && filterWidth === 2) return maxPoolGrad2x2(x, dy, info, dx);
  const best = new Float32Array(channels);
  const bestIndex = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        best.fill(-Infinity);
        bestIndex.fill(-1);
        // Scan order as the general loop: rows of the window, then columns; a later equal value never wins.
        for (let fy = 0; fy < filterHeight; fy++) {
          for (let fx = 0; fx < filterWidth; fx++) {
            const base = ((b * inHeight + oy * filterHeight + fy) * inWidth + ox * filterWidth + fx) * channels;
            for (let c = 0; c < channels; c++) {
              const value = x[base + c];
              if (value > best[c]) {
                best[c] = value;
                bestIndex[c] = base + c;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + oy) * outWidth + ox) * channels;
        for (let c = 0; c < channels; c++) if (bestIndex[c] >= 0) dx[bestIndex[c]] += dy[dyBase + c];
      }
    }
  }
  return dx;
}

/** maxPoolGradTiled for 2×2 windows, unrolled: the four reads of a channel in scan order. */
function maxPoolGrad2x2(x: Float32Array, dy: Float32Array, info: tf.backend_util.Conv2DInfo, dx: Float32Array): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const rowStride = inWidth * channels;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const p00 = ((b * inHeight + oy * 2) * inWidth + ox * 2) * channels;
        const p01 = p00 + channels;
        const p10 = p00 + rowStride;
        const p11 = p10 + channels;
        const dyBase = ((b * outHeight + oy) * outWidth + ox) * channels;
        for (let c = 0; c < channels; c++) {
          let best = -Infinity;
          let at = -1;
          const v00 = x[p00 + c];
          if (v00 > best) {
            best = v00;
            at = p00 + c;
          }
          const v01 = x[p01 + c];
          if (v01 > best) {
            best = v01;
            at = p01 + c;
          }
          const v10 = x[p10 + c];
          if (v10 > best) {
            best = v10;
            at = p10 + c;
          }
          if (x[p11 + c] > best) at = p11 + c;
          if (at >= 0) dx[at] += dy[dyBase + c];
        }
      }
    }
  }
  return dx;
}

/** dx of max pooling: each window's gradient goes to its first maximum in scan order. */
export function maxPoolGradNHWC(
  x: Float32Array,
  dy: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  dx: Float32Array = new Float32Array(info.batchSize * info.inHeight * info.inWidth * info.inChannels),
): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const tiled = strideHeight === filterHeight && strideWidth === filterWidth && top === 0 && left === 0 && info.dilationHeight === 1 && info.dilationWidth === 1;
  // Windows that stay inside the input: rows or columns past the last whole window are never read.
  if (tiled && outHeight * filterHeight <= inHeight && outWidth * filterWidth <= inWidth) return maxPoolGradTiled(x, dy, info, dx);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - top;
      const yStart = Math.max(0, y0);
      const yEnd = Math.min(inHeight, y0 + filterHeight);
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * strideWidth - left;
        const xStart = Math.max(0, x0);
        const xEnd = Math.min(inWidth, x0 + filterWidth);
        const dyBase = ((b * outHeight + oy) * outWidth + ox) * inChannels;
        for (let c = 0; c < inChannels; c++) {
          let best = -Infinity;
          let bestIndex = -1;
          for (let iy = yStart; iy < yEnd; iy++) {
            for (let ix = xStart; ix < xEnd; ix++) {
              const index = ((b * inHeight + iy) * inWidth + ix) * inChannels + c;
              if (x[index] > best) {
                best = x[index];
                bestIndex = index;
              }
            }
          }
          if (bestIndex >= 0) dx[bestIndex] += dy[dyBase + c];
        }
      }
    }
  }
  return dx;
}

export interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * dx of max pooling over an NHWC input of `inputShape`, from the MaxPoolGrad kernel's attributes
 * (cpu and wasm). `dx`, when given, must hold zeros: the wasm kernel passes its output on the heap.
 */
export function maxPoolGradient(x: Float32Array, dy: Float32Array, inputShape: number[], attrs: MaxPoolGradAttrs, dx?: Float32Array): Float32Array {
  const info = tf.backend_util.computePool2DInfo(inputShape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  return maxPoolGradNHWC(x, dy, info, dx);
}

let installed = false;

/** Replace the cpu backend's slow kernels with the flat-array versions of CPU_OVERRIDES (idempotent). */
export function installFastCpuKernels(): void {
  if (installed) return;
  if (!tf.getKernel('Conv2DBackpropFilter', 'cpu')) return; // cpu backend not registered in this bundle
  overrideKernels('cpu', CPU_OVERRIDES);
  installed = true;
}

type Args = { inputs: Record<string, TensorInfo>; backend: unknown; attrs: Record<string, unknown> };

/** A cpu override: `fast` answers the cases it knows (returns a result), the rest go to tfjs'. */
function onCpu(kernelName: string, fast: (args: Args, backend: CpuBackendLike) => TensorInfo | null, evenWithoutOriginal = false): KernelOverride {
  return { kernelName, evenWithoutOriginal, run: (args) => fast(args as unknown as Args, args.backend as CpuBackendLike) };
}

/** The flat-array conv filter gradient (NHWC; NCHW goes to tfjs'). */
function backpropFilter({ inputs: { x, dy }, attrs }: Args, backend: CpuBackendLike): TensorInfo | null {
  const a = attrs as unknown as BackpropFilterAttrs;
  if (a.dataFormat === 'NCHW') return null;
  const convInfo = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
  // CPU time per call on tiny-cnn's and teacher-cnn's layers: the GEMM is 1.5-1.8x faster from 8 input channels, not on 1.
  const filterGradient = convInfo.inChannels >= 4 ? conv2DBackpropFilterGemm : conv2DBackpropFilterNHWC;
  const values = filterGradient(backend.data.get(x.dataId).values, backend.data.get(dy.dataId).values, convInfo);
  return backend.makeTensorInfo(convInfo.filterShape as number[], 'float32', values);
}

/** The flat-array max-pool gradient (every layout tfjs' cpu kernel takes: it has no other). */
function maxPoolGrad({ inputs: { dy, input }, attrs }: Args, backend: CpuBackendLike): TensorInfo {
  const values = maxPoolGradient(backend.data.get(input.dataId).values, backend.data.get(dy.dataId).values, input.shape, attrs as unknown as MaxPoolGradAttrs);
  return backend.makeTensorInfo(input.shape, 'float32', values);
}

const isUnitDilation = (d: unknown) => d === undefined || d === 1 || (Array.isArray(d) && d.every((v) => v === 1));

/** The NHWC convolution forward pass of Conv2D and FusedConv2D (before any bias or activation). */
function convolveForward(x: TensorInfo, filter: TensorInfo, attrs: Record<string, unknown>, backend: CpuBackendLike): TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
  );
  // CPU time per call: im2col + GEMM is 1.6x faster on a 1-channel image, no faster from 8 channels.
  const forward = info.inChannels < 4 ? conv2DForwardGemm : conv2DForwardNHWC;
  const values = forward(backend.data.get(x.dataId).values, backend.data.get(filter.dataId).values, info);
  return backend.makeTensorInfo(info.outShape, 'float32', values);
}

const CONVOLUTION_OVERRIDES: readonly KernelOverride[] = [
  onCpu('Conv2D', ({ inputs: { x, filter }, attrs }, backend) => {
    if (attrs.dataFormat === 'NCHW' || !isUnitDilation(attrs.dilations) || x.dtype !== 'float32') return null;
    return convolveForward(x, filter, attrs, backend);
  }),
  onCpu('Conv2DBackpropInput', ({ inputs: { dy, filter }, attrs }, backend) => {
    if (attrs.dataFormat === 'NCHW' || dy.dtype !== 'float32') return null;
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides as [number, number],
      1,
      attrs.pad as 'same',
      attrs.dimRoundingMode as 'floor' | undefined,
    );
    const values = conv2DBackpropInputNHWC(backend.data.get(dy.dataId).values, backend.data.get(filter.dataId).values, info);
    return backend.makeTensorInfo(info.inShape, 'float32', values);
  }),
  onCpu('Sum', ({ inputs: { x }, attrs }, backend) => {
    if (x.dtype !== 'float32' || x.shape.length === 0) return null;
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
    if (!axes.every((axis, i) => axis === i)) return null; // only reductions over the leading axes
    const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
    const kept = x.shape.slice(axes.length);
    const values = sumLeadingRows(backend.data.get(x.dataId).values, rows, tf.util.sizeFromShape(kept));
    const shape = attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept;
    return backend.makeTensorInfo(shape, 'float32', values);
  }),
  ...(['add', 'mul'] as const).map((op) =>
    onCpu(op === 'add' ? 'Add' : 'Multiply', ({ inputs: { a, b } }, backend) => {
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
      if (tf.util.arraysEqual(a.shape, b.shape)) {
        const values = elementwise(backend.data.get(a.dataId).values, backend.data.get(b.dataId).values, op);
        return backend.makeTensorInfo(a.shape, 'float32', values);
      }
      const [large, small] = tf.util.sizeFromShape(a.shape) >= tf.util.sizeFromShape(b.shape) ? [a, b] : [b, a];
      if (!repeatsAlongLeadingAxes(large.shape, small.shape)) return null;
      const values = broadcastTrailing(backend.data.get(a.dataId).values, backend.data.get(b.dataId).values, op);
      return backend.makeTensorInfo(large.shape, 'float32', values);
    }),
  ),
];

// tfjs' elementwise loops call a closure per element and take an index modulo; a ReLU layer's
// forward and backward passes (Relu, Step, Multiply) ran at about 10 ns an element.
const ELEMENTWISE_OVERRIDES: readonly KernelOverride[] = [
  onCpu('Relu', ({ inputs: { x } }, backend) => {
    if (x.dtype !== 'float32') return null;
    const input = backend.data.get(x.dataId).values;
    const out = new Float32Array(input.length);
    for (let i = 0; i < input.length; i++) out[i] = Math.max(0, input[i]); // tfjs' op: NaN stays NaN
    return backend.makeTensorInfo(x.shape, 'float32', out);
  }),
  onCpu('Step', ({ inputs: { x }, attrs }, backend) => {
    if (x.dtype !== 'float32') return null;
    const input = backend.data.get(x.dataId).values;
    const alpha = attrs.alpha as number;
    const out = new Float32Array(input.length);
    for (let i = 0; i < input.length; i++) {
      const v = input[i];
      out[i] = v > 0 ? 1 : v !== v ? NaN : alpha;
    }
    return backend.makeTensorInfo(x.shape, 'float32', out);
  }),
  // A batch of rows (images, labels, cached logits) gathered along axis 0: tfjs maps every element
  // through indexToLoc; whole rows are copied here.
  onCpu('GatherV2', ({ inputs: { x, indices }, attrs }, backend) => {
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
    if (axis !== 0 || (attrs.batchDims ?? 0) !== 0 || (x.dtype !== 'float32' && x.dtype !== 'int32')) return null;
    const rows = x.shape[0];
    const rowSize = tf.util.sizeFromShape(x.shape.slice(1));
    const source = backend.data.get(x.dataId).values;
    const picks = backend.data.get(indices.dataId).values;
    const out = x.dtype === 'float32' ? new Float32Array(picks.length * rowSize) : new Int32Array(picks.length * rowSize);
    for (let i = 0; i < picks.length; i++) {
      const row = picks[i];
      if (!(row >= 0 && row < rows)) throw new Error(`GatherV2: the index value ${row} is not in [0, ${rows - 1}]`);
      out.set(source.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
    }
    return backend.makeTensorInfo([...indices.shape, ...x.shape.slice(1)], x.dtype, out as Float32Array);
  }),
];

// A 256-unit dense layer's matMul took ~40x longer than its FLOPs need (tfjs reads b by columns);
// inference runs FusedConv2D and _FusedMatMul, which call tfjs' own convolution and matMul directly.
function matMul(a: TensorInfo, b: TensorInfo, attrs: Record<string, unknown>, backend: CpuBackendLike): TensorInfo | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const transposeA = Boolean(attrs.transposeA);
  const transposeB = Boolean(attrs.transposeB);
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  if (a.shape.length !== b.shape.length) return null;
  const [ra, ca] = a.shape.slice(-2);
  const [rb, cb] = b.shape.slice(-2);
  const m = transposeA ? ca : ra;
  const k = transposeA ? ra : ca;
  const n = transposeB ? rb : cb;
  if ((transposeB ? cb : rb) !== k) return null; // tfjs' kernel reports the mismatch
  const blockSize = (backend as unknown as { blockSize: number }).blockSize;
  const values = batchMatMulBlocked(backend.data.get(a.dataId).values, backend.data.get(b.dataId).values, { batchA, batchB, m, k, n, transposeA, transposeB }, blockSize);
  const outer = (batchA >= batchB ? a : b).shape.slice(0, -2);
  return backend.makeTensorInfo([...outer, m, n], 'float32', values);
}

/** Bias then ReLU or nothing, as tfjs' fused kernels apply them (other activations: tfjs' own kernel). */
function biasAndActivation(out: TensorInfo, bias: TensorInfo | undefined, attrs: Record<string, unknown>, backend: CpuBackendLike): TensorInfo | null {
  const values = backend.data.get(out.dataId).values;
  if (bias) {
    if (bias.dtype !== 'float32' || !repeatsAlongLeadingAxes(out.shape, bias.shape)) return null;
    const b = backend.data.get(bias.dataId).values;
    for (let base = 0; base < values.length; base += b.length) for (let j = 0; j < b.length; j++) values[base + j] = values[base + j] + b[j];
  }
  if (attrs.activation === 'relu') for (let i = 0; i < values.length; i++) values[i] = Math.max(0, values[i]);
  return out;
}

const fusable = (attrs: Record<string, unknown>) => attrs.activation === undefined || attrs.activation === 'linear' || attrs.activation === 'relu';

const MATMUL_OVERRIDES: readonly KernelOverride[] = [
  onCpu('BatchMatMul', ({ inputs: { a, b }, attrs }, backend) => matMul(a, b, attrs, backend)),
  onCpu('_FusedMatMul', ({ inputs: { a, b, bias }, attrs }, backend) => {
    if (!fusable(attrs) || (bias && !repeatsAlongLeadingAxes([1, 1, bias.shape[bias.shape.length - 1] ?? 1], bias.shape))) return null;
    const out = matMul(a, b, attrs, backend);
    return out && biasAndActivation(out, bias, attrs, backend);
  }),
  onCpu('FusedConv2D', ({ inputs: { x, filter, bias }, attrs }, backend) => {
    if (!fusable(attrs) || attrs.dataFormat === 'NCHW' || !isUnitDilation(attrs.dilations) || x.dtype !== 'float32') return null;
    if (bias && bias.shape.length > 1) return null;
    return biasAndActivation(convolveForward(x, filter, attrs, backend), bias, attrs, backend);
  }),
];

/** The lab's kernels for 'cpu', in the order they are registered (kernelOverrides.ts). */
const CPU_OVERRIDES: readonly KernelOverride[] = [
  onCpu('Conv2DBackpropFilter', backpropFilter),
  onCpu('MaxPoolGrad', maxPoolGrad, true),
  ...CONVOLUTION_OVERRIDES,
  ...ELEMENTWISE_OVERRIDES,
  ...MATMUL_OVERRIDES,
];

function elementwise(a: Float32Array, b: Float32Array, op: 'add' | 'mul'): Float32Array {
  const out = new Float32Array(a.length);
  if (op === 'add') for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  else for (let i = 0; i < a.length; i++) out[i] = a[i] * b[i];
  return out;
}

/** Whether `small`, less its leading 1s, is the tail of `large` (no deeper rank): a bias or a scalar. */
function repeatsAlongLeadingAxes(large: number[], small: number[]): boolean {
  if (small.length > large.length) return false;
  const first = small.findIndex((d) => d !== 1);
  const core = first < 0 ? [] : small.slice(first);
  return core.every((d, i) => d === large[large.length - core.length + i]);
}
