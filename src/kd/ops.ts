// Numerically careful building blocks shared by the loss files. Pure tfjs, no DOM.
import * as tf from '@tensorflow/tfjs-core';

/**
 * sum over all entries of p_t * (log p_t - log p_s), given log-probabilities.
 * Matches torch's kl_div(reduction='sum'): exp(logP_t) underflowing to 0 contributes exactly 0
 * because log p_t stays finite (it comes from logSoftmax, never log(0)).
 */
export function klDivergenceSum(logTarget: tf.Tensor, logInput: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const target = tf.exp(logTarget);
    return tf.sum(tf.mul(target, tf.sub(logTarget, logInput))) as tf.Scalar;
  });
}

/**
 * Euclidean norm along `axis` (kept as a size-1 axis). Its gradient at a zero vector is 0, as
 * torch's norm backward defines it; a plain sqrt(sum(x^2)) would give 0 * inf = NaN there.
 */
export function l2Norm<T extends tf.Tensor>(x: T, axis: number): T {
  const normWithTorchGradient = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const norm = tf.tidy(() => tf.sqrt(tf.sum(tf.square(input), axis, true)));
    save([input, norm]);
    return {
      value: norm,
      // As torch's norm backward: x · (dy / |x|), the scale set to 0 where |x| = 0 (divNoNan), and
      // taken on the norm's shape before it is broadcast over the axis: divNoNan on x's shape
      // compared a broadcast zero per element, 21 of RKD's 52 ms loss step on wasm here.
      gradFunc: (dy: tf.Tensor, [savedInput, savedNorm]: tf.Tensor[]) => tf.mul(savedInput, tf.divNoNan(dy, savedNorm)),
    };
  });
  return normWithTorchGradient(x) as T;
}

/** torch.nn.functional.normalize(x, dim=axis): x / max(||x||, eps). */
export function normalize<T extends tf.Tensor>(x: T, axis: number, eps = 1e-12): T {
  return tf.tidy(() => tf.div(x, tf.maximum(l2Norm(x, axis), eps)) as T);
}

/** L2-normalise each row, dividing by max(norm, eps) exactly like torch.nn.functional.normalize. */
export function normalizeRows(x: tf.Tensor2D, eps = 1e-12): tf.Tensor2D {
  return normalize(x, 1, eps);
}

/** Flatten every sample of a batch to one row. */
export function flattenSamples(x: tf.Tensor): tf.Tensor2D {
  return tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
}

/** Mean of squared differences over all entries (torch's MSELoss, reduction 'mean'). */
export function meanSquaredError(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(a, b)) as tf.Scalar);
}

/**
 * torch's smooth_l1_loss(input, target) with beta 1 and reduction 'mean'; its gradient is torch's,
 * clamp(input − target, −1, 1) / N (and the negative for the target), in three operations: taped
 * through its forward formula it took fifteen, over RKD's 262,144 angles a step.
 */
export const smoothL1Mean: (input: tf.Tensor, target: tf.Tensor) => tf.Scalar = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [input, target] = args as [tf.Tensor, tf.Tensor];
  const save = args[2] as tf.GradSaveFunc;
  save([input, target]);
  const value = tf.tidy(() => {
    // 0.5 d^2 for |d| < 1, |d| - 0.5 beyond, written as 0.5 m^2 + |d| - m with m = min(|d|, 1).
    const absolute = tf.abs(tf.sub(input, target));
    const clipped = tf.minimum(absolute, 1);
    return tf.mean(tf.add(tf.mul(tf.square(clipped), 0.5), tf.sub(absolute, clipped))) as tf.Scalar;
  });
  return {
    value,
    gradFunc: (dy: tf.Tensor, [savedInput, savedTarget]: tf.Tensor[]) => {
      const toInput = tf.mul(tf.clipByValue(tf.sub(savedInput, savedTarget), -1, 1), tf.div(dy, savedInput.size));
      return [toInput, tf.neg(toInput)];
    },
  };
}) as (input: tf.Tensor, target: tf.Tensor) => tf.Scalar;

/**
 * Pairwise Euclidean distances between the rows of `e` as RepDistiller's pdist computes them:
 * |a|^2 + |b|^2 - 2ab clamped at eps (gradient 0 where clamped), sqrt unless squared, and a zero
 * diagonal that takes no gradient.
 */
export function pairwiseDistances(e: tf.Tensor2D, squared: boolean, eps = 1e-12): tf.Tensor2D {
  return tf.tidy(() => {
    const n = e.shape[0];
    const squares = tf.sum(tf.square(e), 1);
    const products = tf.matMul(e, e, false, true);
    const sums = tf.add(tf.reshape(squares, [n, 1]), tf.reshape(squares, [1, n]));
    const clamped = tf.maximum(tf.sub(sums, tf.mul(products, 2)), eps);
    const distances = squared ? clamped : tf.sqrt(clamped);
    const offDiagonal = tf.sub(1, tf.eye(n));
    return tf.mul(distances, offDiagonal) as tf.Tensor2D;
  });
}

/** Row i of the [outSize, inSize] matrix averaging the windows of torch's adaptive_avg_pool. */
function adaptivePoolMatrix(inSize: number, outSize: number): tf.Tensor2D {
  const values = new Float32Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const start = Math.floor((i * inSize) / outSize);
    const end = Math.ceil(((i + 1) * inSize) / outSize);
    for (let j = start; j < end; j++) values[i * inSize + j] = 1 / (end - start);
  }
  return tf.tensor2d(values, [outSize, inSize]);
}

/**
 * torch.nn.functional.adaptive_avg_pool2d on an NHWC tensor: the same windows (floor/ceil
 * bounds), as two small matrix products so every backend can differentiate it.
 */
export function adaptiveAvgPool2d(x: tf.Tensor4D, outHeight: number, outWidth: number): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  if (height === outHeight && width === outWidth) return tf.clone(x);
  return tf.tidy(() => {
    const rowsFirst = tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [height, batch * width * channels]);
    const pooledRows = tf.matMul(adaptivePoolMatrix(height, outHeight), rowsFirst); // [oh, b*w*c]
    const columnsFirst = tf.reshape(
      tf.transpose(tf.reshape(pooledRows, [outHeight, batch, width, channels]), [2, 0, 1, 3]),
      [width, outHeight * batch * channels],
    );
    const pooled = tf.matMul(adaptivePoolMatrix(width, outWidth), columnsFirst); // [ow, oh*b*c]
    return tf.transpose(tf.reshape(pooled, [outWidth, outHeight, batch, channels]), [2, 1, 0, 3]) as tf.Tensor4D;
  });
}

/**
 * The largest entry, with torch's max() gradient: shared evenly by tied entries (a symmetric
 * distance matrix always ties). tfjs' own max would give each tie the full gradient.
 */
export function maxWithEvenGradient(x: tf.Tensor): tf.Scalar {
  const maxOf = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const value = tf.max(input) as tf.Scalar;
    save([input, value]);
    return {
      value,
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
        const [savedInput, savedValue] = saved;
        const ties = tf.cast(tf.equal(savedInput, savedValue), 'float32');
        return tf.mul(dy, tf.div(ties, tf.sum(ties)));
      },
    };
  });
  return maxOf(x) as tf.Scalar;
}

/**
 * The same values with no gradient flowing back (torch's .detach(), the references' no_grad
 * around the teacher): a teacher or a DML peer never receives gradient from a loss, even when
 * its forward pass runs inside the caller's taped closure.
 */
export function detach<T extends tf.Tensor>(x: T): T {
  const identityWithoutGradient = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor;
    return { value: tf.clone(input), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
  });
  return identityWithoutGradient(x) as T;
}
