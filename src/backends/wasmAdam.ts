// Adam's update on the wasm backend as one kernel a variable: tfjs' AdamOptimizer runs 14 ops a
// variable (84 of a tiny-cnn step's 270 kernel calls, each a trip through the engine for at
// most 7,840 numbers). The kernel makes the same float32 operations in the same order (each
// rounded with Math.fround, which is exact for a product, quotient, sum or square root of
// float32 numbers computed in float64), so its weights and moments equal the op-by-op update
// bit for bit (test/backends/wasmAdam.test.ts). Other backends keep tfjs' own update.
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, TensorInfo } from '@tensorflow/tfjs-core';

type NamedTensor = { name: string; tensor: tf.Tensor };

/** The kernel's name; the lab registers it for 'wasm' only. */
export const ADAM_UPDATE_KERNEL = 'DistillLabAdamUpdate';

interface AdamUpdateAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** The parts of tfjs-backend-wasm's BackendWasm the kernel uses. */
interface WasmHeap {
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
}

/** The AdamOptimizer fields the update reads (tfjs keeps them protected). */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

const f32 = Math.fround;

/** New value, first and second moment of one variable, as tfjs' AdamOptimizer.applyGradients computes them. */
function adamUpdate(backend: WasmHeap, inputs: Record<string, TensorInfo>, attrs: AdamUpdateAttrs): TensorInfo[] {
  const { value, gradient, m, v, accBeta1, accBeta2 } = inputs;
  // Allocating may grow the heap, which detaches older views: every output first, then the views.
  const outputs = [value, m, v].map((like) => backend.makeOutput(like.shape, 'float32'));
  const [newValue, newM, newV] = outputs.map((info) => backend.typedArrayFromHeap(info));
  const w = backend.typedArrayFromHeap(value);
  const g = backend.typedArrayFromHeap(gradient);
  const m0 = backend.typedArrayFromHeap(m);
  const v0 = backend.typedArrayFromHeap(v);
  // Each scalar as tfjs makes it: a float32 tensor of the JS number.
  const beta1 = f32(attrs.beta1);
  const beta2 = f32(attrs.beta2);
  const keep1 = f32(1 - attrs.beta1);
  const keep2 = f32(1 - attrs.beta2);
  const epsilon = f32(attrs.epsilon);
  const step = f32(-attrs.learningRate);
  const correction1 = f32(1 - backend.typedArrayFromHeap(accBeta1)[0]);
  const correction2 = f32(1 - backend.typedArrayFromHeap(accBeta2)[0]);
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const mi = f32(f32(m0[i] * beta1) + f32(gi * keep1));
    const vi = f32(f32(v0[i] * beta2) + f32(f32(gi * gi) * keep2));
    newM[i] = mi;
    newV[i] = vi;
    const denominator = f32(f32(Math.sqrt(f32(vi / correction2))) + epsilon);
    newValue[i] = f32(f32(f32(f32(mi / correction1) / denominator) * step) + w[i]);
  }
  return outputs;
}

/** AdamOptimizer.applyGradients with the update as one kernel a variable (same moments, names and counters). */
function applyFused(optimizer: AdamState, variableGradients: NamedTensorMap | NamedTensor[]): void {
  const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
  const attrs = { learningRate: optimizer.learningRate, beta1: optimizer.beta1, beta2: optimizer.beta2, epsilon: optimizer.epsilon };
  tf.tidy(() => {
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      optimizer.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      optimizer.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (gradient == null) return;
      const m = optimizer.accumulatedFirstMoment[i].variable;
      const v = optimizer.accumulatedSecondMoment[i].variable;
      const inputs = { value, gradient, m, v, accBeta1: optimizer.accBeta1, accBeta2: optimizer.accBeta2 };
      const [newValue, newM, newV] = tf.engine().runKernel(ADAM_UPDATE_KERNEL, inputs, { ...attrs }) as tf.Tensor[];
      m.assign(newM);
      v.assign(newV);
      value.assign(newValue);
    });
    optimizer.accBeta1.assign(tf.mul(optimizer.accBeta1, optimizer.beta1));
    optimizer.accBeta2.assign(tf.mul(optimizer.accBeta2, optimizer.beta2));
  });
  optimizer.incrementIterations();
}

const isFloat32 = (variableGradients: NamedTensorMap | NamedTensor[]) =>
  (Array.isArray(variableGradients) ? variableGradients.map((v) => v.tensor) : Object.values(variableGradients)).every((t) => t == null || t.dtype === 'float32');

let installed = false;

/**
 * Register the update kernel for 'wasm' and route AdamOptimizer.applyGradients through it while
 * the wasm backend is the current one (idempotent). Call after '@tensorflow/tfjs-backend-wasm' is
 * imported.
 */
export function installWasmAdam(): void {
  if (installed) return;
  installed = true;
  tf.registerKernel({
    kernelName: ADAM_UPDATE_KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => adamUpdate(backend as unknown as WasmHeap, inputs as Record<string, TensorInfo>, attrs as unknown as AdamUpdateAttrs),
  });
  const prototype = tf.AdamOptimizer.prototype as unknown as { applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void };
  const original = prototype.applyGradients;
  prototype.applyGradients = function (this: AdamState, variableGradients: NamedTensorMap | NamedTensor[]) {
    if (tf.getBackend() !== 'wasm' || !isFloat32(variableGradients)) return original.call(this, variableGradients);
    applyFused(this, variableGradients);
  };
}

