// tfjs-backend-wasm runs convolutions forward through XNNPACK (8× the cpu backend's JS kernel on
// a 9k-parameter CNN here) but has no Conv2DBackpropFilter at all, and computes
// Conv2DBackpropInput and MaxPoolGrad with plain loops (MaxPoolGrad alone took 8 of a Digits
// step's 13 ms): a training step cannot run, or runs slowly. This file registers for 'wasm'
// (docs/ARCHITECTURE.md §6) the kernels a training step needs or spent its time in:
// - dx of a convolution: the convolution of dy with the filter rotated by 180° and its channels
//   swapped, padded so every input position is reached (stride 1; larger strides stay tfjs');
// - dW: at stride 1 and output channels a multiple of 4, the sums for each filter tap and input
//   channel of x times dy straight from the heap in the SIMD module; else from fewer than 4 input
//   channels one matrix product, the input's patches times dy, and from more the convolution of x
//   with dy as the filter, batch and channels swapped, dy dilated by the stride (for each (kh, kw),
//   the sum over images and positions of x shifted by (kh, kw) times dy);
// - MaxPoolGrad (2×2 tiles in the SIMD module of wasmSimdKernels.ts, others the cpu path's loop on
//   the heap; the first maximum of a window takes its gradient), a convolution's bias added and
//   its gradient summed (SIMD), batches gathered as whole rows, Identity without a copy, and
//   products with a transposed operand, or of batches of matrices, through XNNPACK; Adam's update
//   is wasmAdam.ts.
// Dilated convolutions and NCHW are refused by name (no student uses them). The convolution
// gradients and matrix products sum in another order than the cpu kernels', so values agree to
// float rounding, not bit for bit; the pool gradient, the bias sums and Adam are bit for bit.
// A tiny-cnn KD step with cached teacher logits on MNIST: 7.6 ms here (docs/benchmark.md, 2026-12-08),
// 11-12 ms before dW moved to the SIMD module, 17-18 ms with tfjs' own kernels.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { maxPoolGradient, type MaxPoolGradAttrs } from './cpuKernels';
import { overrideKernels, type KernelArgs, type KernelOverride } from './kernelOverrides';
import { installWasmAdam } from './wasmAdam';
import { OUTER_SUM_VECTORS, simdKernelsFor, type SimdKernels } from './wasmSimdKernels';
import { requestWasmThreads } from './wasmThreads';

interface Conv2DGradAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

type Disposer = { disposeData(dataId: object): void };

/** Runs the wasm backend's kernels by name; every intermediate is disposed by `release`. */
class KernelCalls {
  private readonly made: TensorInfo[] = [];

  constructor(private readonly backend: KernelBackend) {}

  call(name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): TensorInfo {
    const kernel = tf.getKernel(name, 'wasm');
    if (!kernel) throw new Error(`the wasm backend has no ${name} kernel`);
    const out = (kernel.kernelFunc as KernelFunc)({ inputs, backend: this.backend, attrs }) as TensorInfo;
    this.made.push(out);
    return out;
  }

  /** Count `info`, made outside `call`, among the intermediates. */
  adopt(info: TensorInfo): TensorInfo {
    this.made.push(info);
    return info;
  }

  /** Dispose every intermediate except `keep` (the kernel's output). */
  release(keep: TensorInfo): TensorInfo {
    for (const info of this.made) if (info !== keep) (this.backend as unknown as Disposer).disposeData(info.dataId);
    return keep;
  }
}

const pair = (value: number | [number, number] | undefined): [number, number] =>
  value === undefined ? [1, 1] : typeof value === 'number' ? [value, value] : value;

function checkSupported(kernel: string, attrs: Conv2DGradAttrs): void {
  const [dh, dw] = pair(attrs.dilations);
  if (attrs.dataFormat === 'NCHW') throw new Error(`${kernel} on wasm supports NHWC only`);
  if (dh !== 1 || dw !== 1) throw new Error(`${kernel} on wasm supports dilation 1 only`);
}

/** The convolution's stride and padding (top, bottom, left, right). */
function geometry(xShape: number[], filterShape: number[], attrs: Conv2DGradAttrs): { strides: [number, number]; pad: tf.backend_util.PadInfo } {
  const strides = pair(attrs.strides);
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  return { strides, pad: info.padInfo };
}

/** dW of an NHWC convolution as one XNNPACK convolution (dy dilated by the stride). */
function backpropFilterAsConv(k: KernelCalls, x: TensorInfo, dy: TensorInfo, filterShape: [number, number, number, number], attrs: Conv2DGradAttrs): TensorInfo {
  const { strides, pad } = geometry(x.shape, filterShape, attrs);
  const [kh, kw, ci, co] = filterShape;
  // x as a batch of its channels, with the images as channels: [ci, h, w, n].
  const xT = k.call('Transpose', { x }, { perm: [3, 1, 2, 0] });
  // dy as a filter from the images to the output channels: [oh, ow, n, co].
  const dyT = k.call('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const explicit: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [pad.top, pad.bottom],
    [pad.left, pad.right],
    [0, 0],
  ];
  // [ci, ≥kh, ≥kw, co]: rows past the filter's size (padding the forward pass never read) are cut.
  let grad = k.call('Conv2D', { x: xT, filter: dyT }, { strides: [1, 1], pad: explicit, dataFormat: 'NHWC', dilations: strides });
  if (grad.shape[1] !== kh || grad.shape[2] !== kw) grad = k.call('Slice', { x: grad }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
  return k.release(k.call('Transpose', { x: grad }, { perm: [1, 2, 0, 3] }));
}

/**
 * dW of an NHWC convolution as one matrix product: the input's patches, a row per filter tap and
 * input channel ([kh·kw·ci, n·oh·ow], written on the heap), times dy as a [n·oh·ow, co] matrix, in
 * XNNPACK's fully connected operator.
 */
function backpropFilterAsMatMul(k: KernelCalls, backend: WasmHeap, x: TensorInfo, dy: TensorInfo, filterShape: [number, number, number, number], attrs: Conv2DGradAttrs): TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, pair(attrs.strides), 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const positions = batchSize * outHeight * outWidth;
  const patchesInfo = k.adopt(backend.makeOutput([1, filterHeight * filterWidth * inChannels, positions], 'float32'));
  const patches = backend.typedArrayFromHeap(patchesInfo) as Float32Array;
  const input = backend.typedArrayFromHeap(x) as Float32Array;
  let at = 0;
  for (let fy = 0; fy < filterHeight; fy++) {
    for (let fx = 0; fx < filterWidth; fx++) {
      // Output columns whose input column is inside the image: [first, end).
      const first = Math.max(0, Math.ceil((left - fx) / strideWidth));
      const end = Math.min(outWidth, Math.floor((inWidth - 1 + left - fx) / strideWidth) + 1);
      for (let c = 0; c < inChannels; c++) {
        for (let b = 0; b < batchSize; b++) {
          for (let oy = 0; oy < outHeight; oy++) {
            const iy = oy * strideHeight + fy - top;
            if (iy < 0 || iy >= inHeight) {
              patches.fill(0, at, at + outWidth);
              at += outWidth;
              continue;
            }
            const row = (b * inHeight + iy) * inWidth;
            let ox = 0;
            for (; ox < first; ox++) patches[at++] = 0;
            for (; ox < end; ox++) patches[at++] = input[(row + ox * strideWidth + fx - left) * inChannels + c];
            for (; ox < outWidth; ox++) patches[at++] = 0;
          }
        }
      }
    }
  }
  const rows = k.call('Reshape', { x: dy }, { shape: [1, positions, info.outChannels] });
  const product = k.adopt(xnnMatMul({ inputs: { a: patchesInfo, b: rows }, backend: backend as unknown as KernelBackend, attrs: { transposeA: false, transposeB: false } }));
  return k.release(k.call('Reshape', { x: product }, { shape: filterShape }));
}

/**
 * dW of a stride-1 NHWC convolution straight from x and dy on the heap, in the lab's SIMD module:
 * for each filter tap and input channel, the sum over the positions the tap reaches of
 * x · dy[0 .. co), 16, 8 or 4 output channels a call, the sums in registers. No transposes, no
 * patches, no weights packed (the XNNPACK routes above write 3-4× the input first). Null where the
 * stride, the output channels (a multiple of 4) or the module do not allow it.
 */
function backpropFilterOnHeap(backend: WasmHeap, x: TensorInfo, dy: TensorInfo, filterShape: [number, number, number, number], attrs: Conv2DGradAttrs): TensorInfo | null {
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, pair(attrs.strides), 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth } = info;
  if (strideHeight !== 1 || strideWidth !== 1 || outChannels % 4 !== 0 || x.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const simd = simdKernels(backend);
  if (!simd) return null;
  const out = backend.makeOutput(filterShape, 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  const at = (tensor: TensorInfo) => backend.getMemoryOffset(tensor.dataId);
  const [xAt, dyAt, outAt] = [at(x), at(dy), at(out)];
  const blocks = outputChannelBlocks(outChannels);
  const [xImage, dyImage] = [inHeight * inWidth * inChannels, outHeight * outWidth * outChannels];
  // A few images at a time, so the passes over their dy (one per tap, input channel and block) hit
  // the cache: medium-cnn's CIFAR dy is 2 MB a batch. The sums run in the same order either way.
  const chunk = Math.max(1, Math.floor(DW_CHUNK_FLOATS / (xImage + dyImage)));
  for (let n0 = 0; n0 < batchSize; n0 += chunk) {
    addImagesDw(simd, { xAt, dyAt, outAt, n0, images: Math.min(chunk, batchSize - n0), xImage, dyImage, blocks, info });
  }
  return out;
}

interface DwChunk {
  xAt: number;
  dyAt: number;
  outAt: number;
  /** The first image and the count of this chunk. */
  n0: number;
  images: number;
  /** Floats of one image of x and of dy. */
  xImage: number;
  dyImage: number;
  blocks: ChannelBlock[];
  info: tf.backend_util.Conv2DInfo;
}

/** Adds one chunk of images' share of dW, tap by tap and input channel by input channel (backpropFilterOnHeap). */
function addImagesDw(simd: SimdKernels, { xAt, dyAt, outAt, n0, images, xImage, dyImage, blocks, info }: DwChunk): void {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  for (let fy = 0; fy < filterHeight; fy++) {
    // Output rows and columns whose input pixel for this tap is inside the image: [first, end).
    const firstRow = Math.max(0, top - fy);
    const rows = Math.min(outHeight, inHeight + top - fy) - firstRow;
    for (let fx = 0; fx < filterWidth; fx++) {
      const firstColumn = Math.max(0, left - fx);
      const columns = Math.min(outWidth, inWidth + left - fx) - firstColumn;
      if (rows <= 0 || columns <= 0) continue;
      const xPixel = ((firstRow + fy - top) * inWidth + firstColumn + fx - left) * inChannels;
      const dyPixel = (firstRow * outWidth + firstColumn) * outChannels;
      for (let c = 0; c < inChannels; c++) {
        for (const { start, vectors } of blocks) {
          simd[`outerSum${vectors}`](
            xAt + 4 * (n0 * xImage + xPixel + c),
            dyAt + 4 * (n0 * dyImage + dyPixel + start),
            outAt + 4 * (((fy * filterWidth + fx) * inChannels + c) * outChannels + start),
            images, 4 * xImage, 4 * dyImage,
            rows, 4 * inWidth * inChannels, 4 * outWidth * outChannels,
            columns, 4 * inChannels, 4 * outChannels,
          );
        }
      }
    }
  }
}

/** Floats of x and dy a chunk of images may span in backpropFilterOnHeap (256 KB). */
const DW_CHUNK_FLOATS = 65536;

/** Output channels from `start` that one outerSum call covers: 4 × `vectors` of them. */
interface ChannelBlock {
  start: number;
  vectors: (typeof OUTER_SUM_VECTORS)[number];
}

/** Output channels in blocks of 16, then 8, then 4: the outerSum variants that cover them. */
function outputChannelBlocks(channels: number): ChannelBlock[] {
  const blocks: ChannelBlock[] = [];
  let start = 0;
  for (const vectors of OUTER_SUM_VECTORS) {
    for (; channels - start >= 4 * vectors; start += 4 * vectors) blocks.push({ start, vectors });
  }
  return blocks;
}

/** dx of a stride-1 NHWC convolution as one XNNPACK convolution. */
function backpropInputAsConv(k: KernelCalls, dy: TensorInfo, filter: TensorInfo, inputShape: [number, number, number, number], attrs: Conv2DGradAttrs): TensorInfo {
  const [kh, kw] = filter.shape;
  const { pad } = geometry(inputShape, filter.shape, attrs);
  // The filter rotated by 180° with input and output channels swapped: [kh, kw, co, ci].
  const flipped = k.call('Reverse', { x: filter }, { dims: [0, 1] });
  const swapped = k.call('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
  const explicit: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [kh - 1 - pad.top, kh - 1 - pad.bottom],
    [kw - 1 - pad.left, kw - 1 - pad.right],
    [0, 0],
  ];
  return k.release(k.call('Conv2D', { x: dy, filter: swapped }, { strides: [1, 1], pad: explicit, dataFormat: 'NHWC', dilations: [1, 1] }));
}

/**
 * A matrix product with a transposed operand, as a dense layer's gradients are: the wasm kernel
 * runs those as plain loops (0.4-0.6 ms for tiny-cnn's 784×10 layer), the untransposed product of
 * a single batch goes to XNNPACK's fully connected operator, so the operand is transposed first.
 */
function matMulTransposedFirst(k: KernelCalls, args: KernelArgs): TensorInfo {
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const swapLast = (x: TensorInfo) => k.call('Transpose', { x }, { perm: [...x.shape.keys()].map((axis, _, all) => (axis < all.length - 2 ? axis : 2 * all.length - 3 - axis)) });
  const inputs = { a: transposeA ? swapLast(a) : a, b: transposeB ? swapLast(b) : b };
  const out = xnnMatMul({ ...args, inputs, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
  return k.release(out);
}

/**
 * A product of batches of matrices, [..., m, k] by [..., k, n] with the same leading shape (RKD's
 * angles: 64 products of 64×40 by 40×64 a step, and twice that in their gradient). The wasm kernel
 * runs every batch of more than one matrix as plain scalar loops (80 ms of RKD's 82 ms loss step
 * here); this transposes an operand once where asked and hands each matrix to XNNPACK's fully
 * connected operator, as a single product goes, copying its rows in and its result out on the heap.
 * Null where the leading shapes differ (broadcasting stays the kernel's).
 */
function batchMatMulPerMatrix(k: KernelCalls, heap: WasmHeap, args: KernelArgs): TensorInfo | null {
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const leading = a.shape.slice(0, -2);
  const batches = tf.util.sizeFromShape(leading);
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || !tf.util.arraysEqual(leading, b.shape.slice(0, -2))) return null;
  const swapLast = (x: TensorInfo) => k.call('Transpose', { x }, { perm: [...x.shape.keys()].map((axis, _, all) => (axis < all.length - 2 ? axis : 2 * all.length - 3 - axis)) });
  const left = transposeA ? swapLast(a) : a;
  const right = transposeB ? swapLast(b) : b;
  const [m, shared] = left.shape.slice(-2);
  const n = right.shape[right.shape.length - 1];
  const out = heap.makeOutput([...leading, m, n], 'float32');
  // Views made after the allocations (one may grow the heap, which detaches older views).
  const floats = (x: TensorInfo) => heap.typedArrayFromHeap(x) as Float32Array;
  if (batches * m * n === 0) return k.release(out);
  if (shared === 0) {
    floats(out).fill(0); // empty sums
    return k.release(out);
  }
  const free = (x: TensorInfo) => (args.backend as unknown as Disposer).disposeData(x.dataId);
  const ai = heap.makeOutput([1, m, shared], 'float32');
  for (let i = 0; i < batches; i++) {
    // A new right operand each time: XNNPACK's operator, packed from it, is cached by its tensor.
    const bi = heap.makeOutput([1, shared, n], 'float32');
    floats(ai).set(floats(left).subarray(i * m * shared, (i + 1) * m * shared));
    floats(bi).set(floats(right).subarray(i * shared * n, (i + 1) * shared * n));
    const oi = xnnMatMul({ ...args, inputs: { a: ai, b: bi }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    floats(out).set(floats(oi), i * m * n);
    free(oi);
    free(bi);
  }
  free(ai);
  return k.release(out);
}

/** tfjs-backend-wasm's own BatchMatMul, kept when the lab's replaces it: untransposed, it is XNNPACK's. */
let wasmBatchMatMul: tf.KernelConfig | undefined;

function xnnMatMul(args: KernelArgs): TensorInfo {
  if (!wasmBatchMatMul) throw new Error('the wasm backend has no BatchMatMul kernel');
  return wasmBatchMatMul.kernelFunc(args) as TensorInfo;
}

/** The parts of tfjs-backend-wasm's BackendWasm the heap-side kernels use. */
interface WasmHeap {
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  incRef(dataId: object): void;
  getMemoryOffset(dataId: object): number;
  /** The heap: exported by the single-threaded build (asm.memory), imported by the threaded one (wasmMemory). */
  wasm: { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory };
}

/** The lab's SIMD module on this backend's heap, or null where it cannot run. */
function simdKernels(backend: WasmHeap): SimdKernels | null {
  const memory = backend.wasm.asm?.memory ?? backend.wasm.wasmMemory;
  return memory instanceof WebAssembly.Memory ? simdKernelsFor(memory) : null;
}

/**
 * dx of max pooling straight into its output on the heap: 2×2 windows that tile the input, four
 * channels at a time, in the lab's SIMD module; other pools in JS over the heap's arrays (a fresh
 * 1.6 MB Float32Array per call, copied over, had cost 4x the loop itself).
 */
function maxPoolGradOnHeap(backend: WasmHeap, dy: TensorInfo, input: TensorInfo, attrs: MaxPoolGradAttrs): TensorInfo {
  // Allocating may grow the heap, which detaches older views: the output first, then every view.
  const out = backend.makeOutput(input.shape, 'float32');
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { filterHeight, filterWidth, strideHeight, strideWidth, inHeight, inWidth, outHeight, outWidth, inChannels } = info;
  const tiles2x2 = filterHeight === 2 && filterWidth === 2 && strideHeight === 2 && strideWidth === 2 && info.padInfo.top === 0 && info.padInfo.left === 0;
  const simd = tiles2x2 && inHeight === 2 * outHeight && inWidth === 2 * outWidth && inChannels % 4 === 0 ? simdKernels(backend) : null;
  if (simd) {
    const at = (tensor: TensorInfo) => backend.getMemoryOffset(tensor.dataId);
    simd.maxPoolGrad2x2(at(input), at(dy), at(out), info.batchSize * outHeight, outWidth, inChannels);
    return out;
  }
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  maxPoolGradient(backend.typedArrayFromHeap(input) as Float32Array, backend.typedArrayFromHeap(dy) as Float32Array, input.shape, attrs, dx);
  return out;
}

/**
 * x + bias with the bias along the last axis (a convolution's bias in training, where tfjs adds it
 * apart from the convolution), in the lab's SIMD module: the wasm kernel's broadcasting loop took
 * 0.7 ms on tiny-cnn's first MNIST layer. Null where the shapes or the module do not allow it.
 */
function biasAddOnHeap(backend: WasmHeap, a: TensorInfo, b: TensorInfo): TensorInfo | null {
  const [x, bias] = a.shape.length === 1 ? [b, a] : [a, b];
  const channels = bias.shape[0];
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || bias.shape.length !== 1 || x.shape.length < 2) return null;
  if (x.shape[x.shape.length - 1] !== channels || channels % 4 !== 0 || tf.util.sizeFromShape(x.shape) === 0) return null;
  const simd = simdKernels(backend);
  if (!simd) return null;
  const out = backend.makeOutput(x.shape, 'float32');
  const at = (tensor: TensorInfo) => backend.getMemoryOffset(tensor.dataId);
  simd.biasAdd(at(x), at(bias), at(out), tf.util.sizeFromShape(x.shape) / channels, channels);
  return out;
}

/**
 * A sum over the leading axes (a bias's gradient) in the lab's SIMD module, four channels at a
 * time in the wasm kernel's order (the same float32 sums), without the kernel's transpose. Null
 * where the axes, shapes or the module do not allow it.
 */
function sumLeadingOnHeap(backend: WasmHeap, x: TensorInfo, axis: number | number[], keepDims: boolean): TensorInfo | null {
  // Axes in another order (1, 0, 2) are added in that order by the wasm kernel: left to it.
  const axes = tf.util.parseAxisParam(axis, x.shape);
  if (x.dtype !== 'float32' || axes.length === 0 || axes.length === x.shape.length || !axes.every((value, i) => value === i)) return null;
  const kept = x.shape.slice(axes.length);
  const channels = tf.util.sizeFromShape(kept);
  const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
  if (channels % 4 !== 0 || channels === 0 || rows === 0) return null;
  const simd = simdKernels(backend);
  if (!simd) return null;
  const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
  simd.sumRows(backend.getMemoryOffset(x.dataId), backend.getMemoryOffset(out.dataId), rows, channels);
  return out;
}

/**
 * A slice that is one contiguous block (predict's batches of 32 images) as one copy on the heap:
 * the wasm kernel first copies the whole input out of the heap (readSync), 2 ms a slice of a
 * 256-image batch, 44 % of an MNIST evaluation. Null for other slices.
 */
function contiguousSliceOnHeap(backend: WasmHeap, x: TensorInfo, begin: number | number[], size: number | number[] | undefined): TensorInfo | null {
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return null;
  const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  if (!tf.slice_util.isSliceContinous(x.shape, start, extent)) return null;
  const offset = tf.slice_util.computeFlatOffset(start, tf.util.computeStrides(x.shape));
  const out = backend.makeOutput(extent, x.dtype);
  const target = backend.typedArrayFromHeap(out);
  target.set(backend.typedArrayFromHeap(x).subarray(offset, offset + target.length));
  return out;
}

/**
 * Rows of x picked along axis 0 (a batch of images, labels or cached logits), copied whole on the
 * heap: the wasm kernel computes every element's source position, 1.5 ms for 64 MNIST images.
 */
function gatherRowsOnHeap(backend: WasmHeap, x: TensorInfo, indices: TensorInfo): TensorInfo {
  const rows = x.shape[0];
  const rowShape = x.shape.slice(1);
  const rowSize = tf.util.sizeFromShape(rowShape);
  for (const row of backend.typedArrayFromHeap(indices)) {
    if (!(row >= 0 && row < rows)) throw new Error(`GatherV2: the index value ${row} is not in [0, ${rows - 1}]`);
  }
  const out = backend.makeOutput([...indices.shape, ...rowShape], x.dtype);
  const source = backend.typedArrayFromHeap(x);
  const picks = backend.typedArrayFromHeap(indices);
  const target = backend.typedArrayFromHeap(out);
  for (let i = 0; i < picks.length; i++) target.set(source.subarray(picks[i] * rowSize, (picks[i] + 1) * rowSize), i * rowSize);
  return out;
}

/**
 * The wasm backend as the lab trains on it: `threads` threads for tfjs' own kernels (1, the
 * default, keeps the single-threaded build; more need shared memory and the pthread files of
 * `src/backends/wasmThreads.ts`) and the training kernels registered. Call before setBackend('wasm').
 */
export function prepareWasmTraining(threads = 1): void {
  requestWasmThreads(threads);
  installWasmTrainingKernels();
  installWasmAdam();
}

let installed = false;

/**
 * Register the lab's kernels for the wasm backend (WASM_OVERRIDES: the convolution and max-pool
 * gradients and the rest named at the top of this file; idempotent). Call after
 * '@tensorflow/tfjs-backend-wasm' is imported.
 */
export function installWasmTrainingKernels(): void {
  if (installed) return;
  installed = true;
  wasmBatchMatMul = tf.getKernel('BatchMatMul', 'wasm');
  overrideKernels('wasm', WASM_OVERRIDES);
}

const heapOf = (args: KernelArgs) => args.backend as unknown as WasmHeap;

/** The lab's kernels for 'wasm', in the order they are registered (kernelOverrides.ts). */
const WASM_OVERRIDES: readonly KernelOverride[] = [
  {
    kernelName: 'Conv2DBackpropFilter',
    evenWithoutOriginal: true,
    run: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const a = attrs as unknown as Conv2DGradAttrs & { filterShape: [number, number, number, number] };
      checkSupported('Conv2DBackpropFilter', a);
      // The SIMD module's sums beat both XNNPACK routes on one thread on every layer measured (1.4-8×,
      // docs/benchmark.md). They run on the calling thread whatever the thread count, so a run trains
      // to the same numbers, bit for bit, on 1 and N threads.
      const onHeap = backpropFilterOnHeap(backend as unknown as WasmHeap, x, dy, a.filterShape, a);
      if (onHeap) return onHeap;
      const k = new KernelCalls(backend as KernelBackend);
      // Per call on tiny-cnn's MNIST layers: 1.4 instead of 2.1 ms from 1 input channel, 3.0 instead of 1.9 from 8.
      if (x.shape[3] < 4) return backpropFilterAsMatMul(k, backend as unknown as WasmHeap, x, dy, a.filterShape, a);
      return backpropFilterAsConv(k, x, dy, a.filterShape, a);
    },
  },
  {
    kernelName: 'Conv2DBackpropInput',
    evenWithoutOriginal: true,
    // The original's setup binds its wasm function, which strides other than 1 still call.
    keepSetup: true,
    run: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
      const a = attrs as unknown as Conv2DGradAttrs & { inputShape: [number, number, number, number] };
      checkSupported('Conv2DBackpropInput', a);
      if (pair(a.strides).some((stride) => stride !== 1)) return null;
      return backpropInputAsConv(new KernelCalls(backend as KernelBackend), dy, filter, a.inputShape, a);
    },
  },
  {
    kernelName: 'MaxPoolGrad',
    evenWithoutOriginal: true,
    run: (args) => {
      const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
      return maxPoolGradOnHeap(heapOf(args), dy, input, args.attrs as unknown as MaxPoolGradAttrs);
    },
  },
  {
    kernelName: 'GatherV2',
    evenWithoutOriginal: true,
    keepSetup: true,
    run: (args) => {
      const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
      const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims?: number };
      const rows = tf.util.parseAxisParam(axis, x.shape)[0] === 0 && (batchDims ?? 0) === 0;
      if (rows && (x.dtype === 'float32' || x.dtype === 'int32') && indices.dtype === 'int32') return gatherRowsOnHeap(heapOf(args), x, indices);
      return null;
    },
  },
  {
    kernelName: 'Add',
    keepSetup: true,
    run: (args) => {
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      return biasAddOnHeap(heapOf(args), a, b);
    },
  },
  {
    kernelName: 'Sum',
    keepSetup: true,
    run: (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
      return sumLeadingOnHeap(heapOf(args), x, axis, keepDims);
    },
  },
  {
    kernelName: 'Slice',
    keepSetup: true,
    run: (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      const { begin, size } = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
      return contiguousSliceOnHeap(heapOf(args), x, begin, size);
    },
  },
  {
    kernelName: 'Identity',
    evenWithoutOriginal: true,
    // The wasm kernel copies the data (three 1.6 MB copies a tiny-cnn step); cpu and webgl share it, as Reshape does.
    run: (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      if (x.dtype === 'string') return null; // strings live in JS, not on the heap
      heapOf(args).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  },
  {
    kernelName: 'BatchMatMul',
    keepSetup: true,
    run: (args) => {
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
      const single = (x: TensorInfo) => tf.util.sizeFromShape(x.shape.slice(0, -2)) === 1;
      if (single(a) && single(b)) {
        return transposeA || transposeB ? matMulTransposedFirst(new KernelCalls(args.backend as KernelBackend), args) : null;
      }
      return batchMatMulPerMatrix(new KernelCalls(args.backend as KernelBackend), heapOf(args), args);
    },
  },
];
