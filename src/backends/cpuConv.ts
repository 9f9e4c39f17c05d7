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

// ---- im2col + register-blocked GEMM versions (the kernels installFastCpuKernels registers) ----
// Padding taps become zeros in the column matrix: adding x*0 (or 0*w) to a sum that started at +0
// leaves it bit for bit unchanged (finite weights), so these too equal tfjs' results exactly.

/** One image's columns: row p = (oy, ox), column k = (kh, kw, ci), zeros where the tap is padding. */
function im2col(x: Float32Array, b: number, info: ConvInfo, cols: Float32Array): void {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  let at = 0;
  for (let oy = 0; oy < outHeight; oy++) {
    for (let ox = 0; ox < outWidth; ox++) {
      for (let kh = 0; kh < filterHeight; kh++) {
        const iy = oy * strideHeight + kh - top;
        for (let kw = 0; kw < filterWidth; kw++) {
          const ix = ox * strideWidth + kw - left;
          if (iy < 0 || iy >= inHeight || ix < 0 || ix >= inWidth) {
            cols.fill(0, at, at + inChannels);
          } else {
            const from = ((b * inHeight + iy) * inWidth + ix) * inChannels;
            for (let ci = 0; ci < inChannels; ci++) cols[at + ci] = x[from + ci];
          }
          at += inChannels;
        }
      }
    }
  }
}

/**
 * c[m, n] = sum over k ascending of a[m, k] * b[k, n], rounded to float32 after every add (the
 * forward convolution's rounding). Two rows by four columns at a time: eight independent sums.
 */
function gemmFloat32Sums(a: Float32Array, m: number, k: number, b: Float32Array, n: number, c: Float32Array, cOffset: number): void {
  const fround = Math.fround;
  const n4 = n - (n % 4);
  let row = 0;
  for (; row + 1 < m; row += 2) {
    const a0 = row * k;
    const a1 = a0 + k;
    const c0 = cOffset + row * n;
    const c1 = c0 + n;
    for (let col = 0; col < n4; col += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0; // prettier-ignore
      for (let i = 0, bi = col; i < k; i++, bi += n) {
        const x0 = a[a0 + i];
        const x1 = a[a1 + i];
        const w0 = b[bi];
        const w1 = b[bi + 1];
        const w2 = b[bi + 2];
        const w3 = b[bi + 3];
        s00 = fround(s00 + x0 * w0);
        s01 = fround(s01 + x0 * w1);
        s02 = fround(s02 + x0 * w2);
        s03 = fround(s03 + x0 * w3);
        s10 = fround(s10 + x1 * w0);
        s11 = fround(s11 + x1 * w1);
        s12 = fround(s12 + x1 * w2);
        s13 = fround(s13 + x1 * w3);
      }
      c[c0 + col] = s00;
      c[c0 + col + 1] = s01;
      c[c0 + col + 2] = s02;
      c[c0 + col + 3] = s03;
      c[c1 + col] = s10;
      c[c1 + col + 1] = s11;
      c[c1 + col + 2] = s12;
      c[c1 + col + 3] = s13;
    }
    for (let col = n4; col < n; col++) {
      let s0 = 0;
      let s1 = 0;
      for (let i = 0; i < k; i++) {
        s0 = fround(s0 + a[a0 + i] * b[i * n + col]);
        s1 = fround(s1 + a[a1 + i] * b[i * n + col]);
      }
      c[c0 + col] = s0;
      c[c1 + col] = s1;
    }
  }
  for (; row < m; row++) {
    for (let col = 0; col < n; col++) {
      let s = 0;
      for (let i = 0; i < k; i++) s = fround(s + a[row * k + i] * b[i * n + col]);
      c[cOffset + row * n + col] = s;
    }
  }
}

/** conv2DForwardNHWC through im2col and a blocked GEMM, one image at a time. */
export function conv2DForwardGemm(x: Float32Array, w: Float32Array, info: ConvInfo): Float32Array {
  const { batchSize, outHeight, outWidth, outChannels, filterHeight, filterWidth, inChannels } = info;
  const positions = outHeight * outWidth;
  const depth = filterHeight * filterWidth * inChannels;
  const y = new Float32Array(batchSize * positions * outChannels);
  const cols = new Float32Array(positions * depth);
  for (let b = 0; b < batchSize; b++) {
    im2col(x, b, info, cols);
    gemmFloat32Sums(cols, positions, depth, w, outChannels, y, b * positions * outChannels);
  }
  return y;
}

/**
 * conv2DBackpropFilterNHWC as a GEMM over each image's columns: dW[k, co] += cols[p, k] * dy[p, co]
 * for p ascending, images in order, in float64, two filter rows by four output channels at a time.
 */
export function conv2DBackpropFilterGemm(x: Float32Array, dy: Float32Array, info: ConvInfo): Float32Array {
  const { batchSize, outHeight, outWidth, outChannels, filterHeight, filterWidth, inChannels } = info;
  const positions = outHeight * outWidth;
  const depth = filterHeight * filterWidth * inChannels;
  const n = outChannels;
  const n4 = n - (n % 4);
  const sums = new Float64Array(depth * n);
  const cols = new Float32Array(positions * depth);
  for (let b = 0; b < batchSize; b++) {
    im2col(x, b, info, cols);
    const dyBase = b * positions * n;
    let k = 0;
    for (; k + 1 < depth; k += 2) {
      for (let co = 0; co < n4; co += 4) {
        const r0 = k * n + co;
        const r1 = r0 + n;
        let s00 = sums[r0], s01 = sums[r0 + 1], s02 = sums[r0 + 2], s03 = sums[r0 + 3]; // prettier-ignore
        let s10 = sums[r1], s11 = sums[r1 + 1], s12 = sums[r1 + 2], s13 = sums[r1 + 3]; // prettier-ignore
        for (let p = 0, ci = k, gi = dyBase + co; p < positions; p++, ci += depth, gi += n) {
          const x0 = cols[ci];
          const x1 = cols[ci + 1];
          const g0 = dy[gi];
          const g1 = dy[gi + 1];
          const g2 = dy[gi + 2];
          const g3 = dy[gi + 3];
          s00 += x0 * g0;
          s01 += x0 * g1;
          s02 += x0 * g2;
          s03 += x0 * g3;
          s10 += x1 * g0;
          s11 += x1 * g1;
          s12 += x1 * g2;
          s13 += x1 * g3;
        }
        sums[r0] = s00;
        sums[r0 + 1] = s01;
        sums[r0 + 2] = s02;
        sums[r0 + 3] = s03;
        sums[r1] = s10;
        sums[r1 + 1] = s11;
        sums[r1 + 2] = s12;
        sums[r1 + 3] = s13;
      }
      for (let co = n4; co < n; co++) {
        let s0 = sums[k * n + co];
        let s1 = sums[(k + 1) * n + co];
        for (let p = 0; p < positions; p++) {
          const g = dy[dyBase + p * n + co];
          s0 += cols[p * depth + k] * g;
          s1 += cols[p * depth + k + 1] * g;
        }
        sums[k * n + co] = s0;
        sums[(k + 1) * n + co] = s1;
      }
    }
    for (; k < depth; k++) {
      for (let co = 0; co < n; co++) {
        let s = sums[k * n + co];
        for (let p = 0; p < positions; p++) s += cols[p * depth + k] * dy[dyBase + p * n + co];
        sums[k * n + co] = s;
      }
    }
  }
  return Float32Array.from(sums);
}

/**
 * c = a @ b per batch (a: [batch, m, k] or its transpose, b: [batch, k, n] or its transpose), as
 * tfjs-cpu sums it: per output, float64 sums over k-blocks of `blockSize`, each added to the
 * float32 result. tfjs walks b down its columns (a 1 KB stride for a 256-unit dense layer); here
 * each row of b is read once per row of a.
 */
export function batchMatMulBlocked(
  a: Float32Array,
  b: Float32Array,
  shape: { batchA: number; batchB: number; m: number; k: number; n: number; transposeA: boolean; transposeB: boolean },
  blockSize: number,
): Float32Array {
  const { batchA, batchB, m, k, n, transposeA, transposeB } = shape;
  const batch = Math.max(batchA, batchB);
  const c = new Float32Array(batch * m * n);
  const partial = new Float64Array(n);
  for (let bi = 0; bi < batch; bi++) {
    const aBase = (bi % batchA) * m * k;
    const bBase = (bi % batchB) * k * n;
    const cBase = bi * m * n;
    for (let i = 0; i < m; i++) {
      const cRow = cBase + i * n;
      for (let k0 = 0; k0 < k; k0 += blockSize) {
        const kEnd = Math.min(k0 + blockSize, k);
        if (transposeB) {
          // b is [n, k]: each output's block is a contiguous dot product.
          for (let j = 0; j < n; j++) {
            let s = 0;
            const bRow = bBase + j * k;
            for (let kk = k0; kk < kEnd; kk++) s += (transposeA ? a[aBase + kk * m + i] : a[aBase + i * k + kk]) * b[bRow + kk];
            c[cRow + j] += s;
          }
        } else {
          partial.fill(0);
          for (let kk = k0; kk < kEnd; kk++) {
            const av = transposeA ? a[aBase + kk * m + i] : a[aBase + i * k + kk];
            const bRow = bBase + kk * n;
            for (let j = 0; j < n; j++) partial[j] += av * b[bRow + j];
          }
          for (let j = 0; j < n; j++) c[cRow + j] += partial[j];
        }
      }
    }
  }
  return c;
}
