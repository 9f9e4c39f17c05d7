// tfjs-backend-cpu computes the conv filter gradient and the max-pool gradient through
// TensorBuffer.get per element, 10-60x slower than its own forward kernels: a 9k-parameter CNN
// step took 3 s in Node. This file registers flat-array versions of the same two kernels
// (same maths; NHWC, dilation 1) for 'cpu' only; other layouts go to the original kernels.
// It also registers the bit-identical kernels of cpuConv.ts (forward convolution, its input
// gradient, bias sums, broadcast add/multiply), where a training step spent the rest of its time.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { broadcastTrailing, conv2DBackpropFilterNHWC, conv2DBackpropInputNHWC, conv2DForwardNHWC, sumLeadingRows } from './cpuConv';

interface CpuBackendLike {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

interface BackpropFilterAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** dx of max pooling: each window's gradient goes to its first maximum in scan order. */
export function maxPoolGradNHWC(
  x: Float32Array,
  dy: Float32Array,
  info: tf.backend_util.Conv2DInfo,
): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dx = new Float32Array(batchSize * inHeight * inWidth * inChannels);
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

interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

let installed = false;

/** Replace the cpu backend's Conv2DBackpropFilter with the flat-array version (idempotent). */
export function installFastCpuKernels(): void {
  if (installed) return;
  const original = tf.getKernel('Conv2DBackpropFilter', 'cpu');
  if (!original) return; // cpu backend not registered in this bundle
  const kernelFunc = ((args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: unknown; attrs: unknown }) => {
    const attrs = args.attrs as BackpropFilterAttrs;
    const { x, dy } = args.inputs;
    if (attrs.dataFormat === 'NCHW') return original.kernelFunc(args as never);
    const backend = args.backend as CpuBackendLike;
    const convInfo = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const values = conv2DBackpropFilterNHWC(
      backend.data.get(x.dataId).values,
      backend.data.get(dy.dataId).values,
      convInfo,
    );
    return backend.makeTensorInfo(convInfo.filterShape as number[], 'float32', values);
  }) as unknown as KernelFunc;
  replaceKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'cpu', kernelFunc });

  const maxPoolGrad = ((args: { inputs: { dy: TensorInfo; input: TensorInfo }; backend: unknown; attrs: unknown }) => {
    const attrs = args.attrs as MaxPoolGradAttrs;
    const { dy, input } = args.inputs;
    const backend = args.backend as CpuBackendLike;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const values = maxPoolGradNHWC(backend.data.get(input.dataId).values, backend.data.get(dy.dataId).values, info);
    return backend.makeTensorInfo(input.shape, 'float32', values);
  }) as unknown as KernelFunc;
  replaceKernel({ kernelName: 'MaxPoolGrad', backendName: 'cpu', kernelFunc: maxPoolGrad });
  installConvolutionKernels();
  installed = true;
}

type Args = { inputs: Record<string, TensorInfo>; backend: unknown; attrs: Record<string, unknown> };

/** Wrap a cpu kernel: `fast` answers the cases it knows (returns a result), the rest go to tfjs'. */
function wrapKernel(kernelName: string, fast: (args: Args, backend: CpuBackendLike) => TensorInfo | null): void {
  const original = tf.getKernel(kernelName, 'cpu');
  if (!original) return;
  const kernelFunc = ((args: Args) => fast(args, args.backend as CpuBackendLike) ?? original.kernelFunc(args as never)) as unknown as KernelFunc;
  replaceKernel({ kernelName, backendName: 'cpu', kernelFunc });
}

const isUnitDilation = (d: unknown) => d === undefined || d === 1 || (Array.isArray(d) && d.every((v) => v === 1));

function installConvolutionKernels(): void {
  wrapKernel('Conv2D', ({ inputs: { x, filter }, attrs }, backend) => {
    if (attrs.dataFormat === 'NCHW' || !isUnitDilation(attrs.dilations) || x.dtype !== 'float32') return null;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides as [number, number],
      1,
      attrs.pad as 'same',
      attrs.dimRoundingMode as 'floor' | undefined,
    );
    const values = conv2DForwardNHWC(backend.data.get(x.dataId).values, backend.data.get(filter.dataId).values, info);
    return backend.makeTensorInfo(info.outShape, 'float32', values);
  });
  wrapKernel('Conv2DBackpropInput', ({ inputs: { dy, filter }, attrs }, backend) => {
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
  });
  wrapKernel('Sum', ({ inputs: { x }, attrs }, backend) => {
    if (x.dtype !== 'float32' || x.shape.length === 0) return null;
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
    if (!axes.every((axis, i) => axis === i)) return null; // only reductions over the leading axes
    const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
    const kept = x.shape.slice(axes.length);
    const values = sumLeadingRows(backend.data.get(x.dataId).values, rows, tf.util.sizeFromShape(kept));
    const shape = attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept;
    return backend.makeTensorInfo(shape, 'float32', values);
  });
  for (const [kernelName, op] of [['Add', 'add'], ['Multiply', 'mul']] as const) {
    wrapKernel(kernelName, ({ inputs: { a, b } }, backend) => {
      if (a.dtype !== 'float32' || b.dtype !== 'float32' || tf.util.arraysEqual(a.shape, b.shape)) return null;
      const [large, small] = tf.util.sizeFromShape(a.shape) >= tf.util.sizeFromShape(b.shape) ? [a, b] : [b, a];
      if (!repeatsAlongLeadingAxes(large.shape, small.shape)) return null;
      const values = broadcastTrailing(backend.data.get(a.dataId).values, backend.data.get(b.dataId).values, op);
      return backend.makeTensorInfo(large.shape, 'float32', values);
    });
  }
}

/** Whether `small`, less its leading 1s, is the tail of `large` (no deeper rank): a bias or a scalar. */
function repeatsAlongLeadingAxes(large: number[], small: number[]): boolean {
  if (small.length > large.length) return false;
  const first = small.findIndex((d) => d !== 1);
  const core = first < 0 ? [] : small.slice(first);
  return core.every((d, i) => d === large[large.length - core.length + i]);
}

function replaceKernel(config: KernelConfig): void {
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}
