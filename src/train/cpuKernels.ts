// tfjs-backend-cpu computes the conv filter gradient and the max-pool gradient through
// TensorBuffer.get per element, 10-60x slower than its own forward kernels: a 9k-parameter CNN
// step took 3 s in Node. This file registers flat-array versions of the same two kernels
// (same maths; NHWC, dilation 1) for 'cpu' only; other layouts go to the original kernels.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

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

export function conv2DBackpropFilterNHWC(
  x: Float32Array,
  dy: Float32Array,
  convInfo: tf.backend_util.Conv2DInfo,
): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = convInfo;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = convInfo;
  const top = convInfo.padInfo.top;
  const left = convInfo.padInfo.left;
  const accumulator = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const dyBase = ((b * outHeight + oy) * outWidth + ox) * outChannels;
        for (let kh = 0; kh < filterHeight; kh++) {
          const iy = oy * strideHeight + kh - top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const ix = ox * strideWidth + kw - left;
            if (ix < 0 || ix >= inWidth) continue;
            const xBase = ((b * inHeight + iy) * inWidth + ix) * inChannels;
            const wBase = (kh * filterWidth + kw) * inChannels * outChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              const xv = x[xBase + ci];
              if (xv === 0) continue; // post-ReLU activations are mostly zero
              const wOffset = wBase + ci * outChannels;
              for (let co = 0; co < outChannels; co++) {
                accumulator[wOffset + co] += xv * dy[dyBase + co];
              }
            }
          }
        }
      }
    }
  }
  return Float32Array.from(accumulator);
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
  installed = true;
}

function replaceKernel(config: KernelConfig): void {
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}
