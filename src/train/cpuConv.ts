// Flat-array versions of the tfjs-cpu kernels a convnet training step spends its time in, each
// summing in exactly the order tfjs' own kernel does (same rounding: float32 after every add in
// the forward convolution, float64 sums elsewhere), so the results are bit-identical to tfjs'.
// The speed comes from the loops, not the maths: accumulators in registers for four output
// channels at once, no generic strides, no TensorBuffer, no transpose before a reduction.
import type * as tf from '@tensorflow/tfjs-core';

type ConvInfo = tf.backend_util.Conv2DInfo;

/**
 * y = conv2d(x, w), NHWC, dilation 1. Per output, tfjs adds x*w over (filter row, filter column,
 * input channel) in that order, rounding to float32 after each add: so does this.
 */
export function conv2DForwardNHWC(x: Float32Array, w: Float32Array, info: ConvInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const y = new Float32Array(batchSize * outHeight * outWidth * outChannels);
  const fround = Math.fround;
  const blocked = outChannels - (outChannels % 4);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - top;
      const khStart = Math.max(0, -y0);
      const khEnd = Math.min(filterHeight, inHeight - y0);
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * strideWidth - left;
        const kwStart = Math.max(0, -x0);
        const kwEnd = Math.min(filterWidth, inWidth - x0);
        const yBase = ((b * outHeight + oy) * outWidth + ox) * outChannels;
        for (let co = 0; co < blocked; co += 4) {
          let a0 = 0;
          let a1 = 0;
          let a2 = 0;
          let a3 = 0;
          for (let kh = khStart; kh < khEnd; kh++) {
            const rowBase = (b * inHeight + y0 + kh) * inWidth;
            for (let kw = kwStart; kw < kwEnd; kw++) {
              const xBase = (rowBase + x0 + kw) * inChannels;
              let wIndex = (kh * filterWidth + kw) * inChannels * outChannels + co;
              for (let ci = 0; ci < inChannels; ci++, wIndex += outChannels) {
                const xv = x[xBase + ci];
                if (xv === 0) continue; // post-ReLU inputs are mostly zero; adding 0 changes nothing
                a0 = fround(a0 + xv * w[wIndex]);
                a1 = fround(a1 + xv * w[wIndex + 1]);
                a2 = fround(a2 + xv * w[wIndex + 2]);
                a3 = fround(a3 + xv * w[wIndex + 3]);
              }
            }
          }
          y[yBase + co] = a0;
          y[yBase + co + 1] = a1;
          y[yBase + co + 2] = a2;
          y[yBase + co + 3] = a3;
        }
        for (let co = blocked; co < outChannels; co++) {
          let a = 0;
          for (let kh = khStart; kh < khEnd; kh++) {
            const rowBase = (b * inHeight + y0 + kh) * inWidth;
            for (let kw = kwStart; kw < kwEnd; kw++) {
              const xBase = (rowBase + x0 + kw) * inChannels;
              let wIndex = (kh * filterWidth + kw) * inChannels * outChannels + co;
              for (let ci = 0; ci < inChannels; ci++, wIndex += outChannels) a = fround(a + x[xBase + ci] * w[wIndex]);
            }
          }
          y[yBase + co] = a;
        }
      }
    }
  }
  return y;
}

/**
 * dx of y = conv2d(x, w) given dy, NHWC, dilation 1. Per input element, tfjs sums dy*w in float64
 * over (output row, output column, output channel) ascending: so does this, for four input
 * channels at once (one read of dy serves four sums).
 */
export function conv2DBackpropInputNHWC(dy: Float32Array, w: Float32Array, info: ConvInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dx = new Float32Array(batchSize * inHeight * inWidth * inChannels);
  const blocked = inChannels - (inChannels % 4);
  for (let b = 0; b < batchSize; b++) {
    for (let iy = 0; iy < inHeight; iy++) {
      const rowCorner = iy + top;
      // Output rows oy with 0 <= rowCorner - oy*stride < filterHeight, as tfjs bounds them.
      const oyStart = Math.max(0, Math.ceil((rowCorner - filterHeight + 1) / strideHeight));
      const oyEnd = Math.min(outHeight, Math.floor(rowCorner / strideHeight) + 1);
      for (let ix = 0; ix < inWidth; ix++) {
        const colCorner = ix + left;
        const oxStart = Math.max(0, Math.ceil((colCorner - filterWidth + 1) / strideWidth));
        const oxEnd = Math.min(outWidth, Math.floor(colCorner / strideWidth) + 1);
        const dxBase = ((b * inHeight + iy) * inWidth + ix) * inChannels;
        for (let ci = 0; ci < blocked; ci += 4) {
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let oy = oyStart; oy < oyEnd; oy++) {
            const kh = rowCorner - oy * strideHeight;
            for (let ox = oxStart; ox < oxEnd; ox++) {
              const kw = colCorner - ox * strideWidth;
              const dyBase = ((b * outHeight + oy) * outWidth + ox) * outChannels;
              const w0 = ((kh * filterWidth + kw) * inChannels + ci) * outChannels;
              const w1 = w0 + outChannels;
              const w2 = w1 + outChannels;
              const w3 = w2 + outChannels;
              for (let co = 0; co < outChannels; co++) {
                const g = dy[dyBase + co];
                s0 += g * w[w0 + co];
                s1 += g * w[w1 + co];
                s2 += g * w[w2 + co];
                s3 += g * w[w3 + co];
              }
            }
          }
          dx[dxBase + ci] = s0;
          dx[dxBase + ci + 1] = s1;
          dx[dxBase + ci + 2] = s2;
          dx[dxBase + ci + 3] = s3;
        }
        for (let ci = blocked; ci < inChannels; ci++) {
          let s = 0;
          for (let oy = oyStart; oy < oyEnd; oy++) {
            const kh = rowCorner - oy * strideHeight;
            for (let ox = oxStart; ox < oxEnd; ox++) {
              const kw = colCorner - ox * strideWidth;
              const dyBase = ((b * outHeight + oy) * outWidth + ox) * outChannels;
              const wBase = ((kh * filterWidth + kw) * inChannels + ci) * outChannels;
              for (let co = 0; co < outChannels; co++) s += dy[dyBase + co] * w[wBase + co];
            }
          }
          dx[dxBase + ci] = s;
        }
      }
    }
  }
  return dx;
}

/**
 * Sum over the leading `rows` of a [rows, inner] array (a bias gradient: every axis but the
 * channels). tfjs transposes first, then adds each output's values in row order in float64.
 */
export function sumLeadingRows(x: Float32Array, rows: number, inner: number): Float32Array {
  const sums = new Float64Array(inner);
  for (let r = 0; r < rows; r++) {
    const base = r * inner;
    for (let i = 0; i < inner; i++) sums[i] += x[base + i];
  }
  return Float32Array.from(sums);
}

/** a op b where the smaller operand repeats along the larger's leading axes (a bias, a scalar). */
export function broadcastTrailing(
  a: Float32Array,
  b: Float32Array,
  op: 'add' | 'mul',
): Float32Array {
  const aIsLarger = a.length >= b.length;
  const large = aIsLarger ? a : b;
  const small = aIsLarger ? b : a;
  const out = new Float32Array(large.length);
  const period = small.length;
  if (period === 1) {
    const s = small[0];
    if (op === 'add') for (let i = 0; i < large.length; i++) out[i] = large[i] + s;
    else for (let i = 0; i < large.length; i++) out[i] = large[i] * s;
    return out;
  }
  for (let base = 0; base < large.length; base += period) {
    if (op === 'add') for (let j = 0; j < period; j++) out[base + j] = large[base + j] + small[j];
    else for (let j = 0; j < period; j++) out[base + j] = large[base + j] * small[j];
  }
  return out;
}

/**
 * dW of y = conv2d(x, w) given dy, NHWC, dilation 1. Per filter weight, tfjs sums x*dy in float64
 * over (batch, output row, output column) ascending: so does this, one image at a time for four
 * output channels in registers (the image's x and dy stay in L1 cache).
 */
export function conv2DBackpropFilterNHWC(x: Float32Array, dy: Float32Array, info: ConvInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const sums = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  const blocked = outChannels - (outChannels % 4);
  for (let b = 0; b < batchSize; b++) {
    for (let kh = 0; kh < filterHeight; kh++) {
      // Output rows whose input row oy*stride + kh - top lies inside the image.
      const oyStart = Math.max(0, Math.ceil((top - kh) / strideHeight));
      const oyEnd = Math.min(outHeight, Math.floor((inHeight - 1 + top - kh) / strideHeight) + 1);
      for (let kw = 0; kw < filterWidth; kw++) {
        const oxStart = Math.max(0, Math.ceil((left - kw) / strideWidth));
        const oxEnd = Math.min(outWidth, Math.floor((inWidth - 1 + left - kw) / strideWidth) + 1);
        for (let ci = 0; ci < inChannels; ci++) {
          const wBase = ((kh * filterWidth + kw) * inChannels + ci) * outChannels;
          for (let co = 0; co < blocked; co += 4) {
            let s0 = sums[wBase + co];
            let s1 = sums[wBase + co + 1];
            let s2 = sums[wBase + co + 2];
            let s3 = sums[wBase + co + 3];
            for (let oy = oyStart; oy < oyEnd; oy++) {
              const xRow = (b * inHeight + oy * strideHeight + kh - top) * inWidth;
              const dyRow = (b * outHeight + oy) * outWidth;
              for (let ox = oxStart; ox < oxEnd; ox++) {
                const xv = x[(xRow + ox * strideWidth + kw - left) * inChannels + ci];
                if (xv === 0) continue; // post-ReLU activations are mostly zero
                const g = (dyRow + ox) * outChannels + co;
                s0 += xv * dy[g];
                s1 += xv * dy[g + 1];
                s2 += xv * dy[g + 2];
                s3 += xv * dy[g + 3];
              }
            }
            sums[wBase + co] = s0;
            sums[wBase + co + 1] = s1;
            sums[wBase + co + 2] = s2;
            sums[wBase + co + 3] = s3;
          }
          for (let co = blocked; co < outChannels; co++) {
            let s = sums[wBase + co];
            for (let oy = oyStart; oy < oyEnd; oy++) {
              const xRow = (b * inHeight + oy * strideHeight + kh - top) * inWidth;
              const dyRow = (b * outHeight + oy) * outWidth;
              for (let ox = oxStart; ox < oxEnd; ox++) {
                s += x[(xRow + ox * strideWidth + kw - left) * inChannels + ci] * dy[(dyRow + ox) * outChannels + co];
              }
            }
            sums[wBase + co] = s;
          }
        }
      }
    }
  }
  return Float32Array.from(sums);
}
