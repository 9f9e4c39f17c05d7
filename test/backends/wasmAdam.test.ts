// The wasm backend's Adam update (src/backends/wasmAdam.ts, one kernel a variable) against tfjs'
// AdamOptimizer op by op on the cpu backend: the same weights, moments and step counters, bit for bit.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareWasmTraining } from '../../src/backends/wasmKernels';
import { ADAM_UPDATE_KERNEL } from '../../src/backends/wasmAdam';

function seeded(length: number, seed: number, scale = 1): number[] {
  let state = seed >>> 0;
  return Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 4294967296 - 0.5) * scale;
  });
}

const SHAPES = [[3, 3, 1, 8], [8], [784, 10], [1]];

let runs = 0;

/** Four Adam steps on fixed gradients; every number after them. */
async function train(config: { learningRate: number; beta1: number; beta2: number; epsilon?: number }) {
  const variables = tf.tidy(() => SHAPES.map((shape, i) => tf.variable(tf.tensor(seeded(shape.reduce((a, b) => a * b, 1), 10 + i), shape), true, `w${i}_run${runs++}`)));
  const optimizer = tf.train.adam(config.learningRate, config.beta1, config.beta2, config.epsilon);
  const before = tf.memory().numTensors;
  for (let step = 0; step < 4; step++) {
    const gradients: Record<string, tf.Tensor> = {};
    // Gradients from 1e-3 to 1 times [-0.5, 0.5): moments across many binades.
    variables.forEach((v, i) => (gradients[v.name] = tf.tensor(seeded(v.size, 100 * step + i, 10 ** ((step + i) % 4) * 1e-3), v.shape)));
    optimizer.applyGradients(gradients as tf.NamedTensorMap as Parameters<typeof optimizer.applyGradients>[0]);
    tf.dispose(Object.values(gradients));
  }
  // The moments are made on the first step and kept: two per variable.
  const kept = tf.memory().numTensors - before;
  const weights = await optimizer.getWeights();
  const result = {
    kept,
    values: variables.map((v) => Array.from(v.dataSync())),
    moments: weights.map((w) => ({ name: w.name.replace(/_run\d+/, ''), values: Array.from(w.tensor.dataSync()) })),
    iterations: optimizer.iterations,
  };
  weights[0].tensor.dispose(); // the step counter getWeights makes
  optimizer.dispose();
  tf.dispose(variables);
  return result;
}

describe('Adam on wasm as one kernel a variable', () => {
  beforeAll(async () => {
    prepareWasmTraining();
    await tf.setBackend('wasm');
  });

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([
    { learningRate: 0.001, beta1: 0.9, beta2: 0.999 },
    { learningRate: 0.01, beta1: 0.8, beta2: 0.95, epsilon: 1e-4 },
  ])('%j: the weights, moments and counters of tfjs\' Adam on cpu, bit for bit, no tensor left behind', async (config) => {
    const numTensors = tf.memory().numTensors;
    const onWasm = await train(config);
    expect(tf.memory().numTensors).toBe(numTensors);
    await tf.setBackend('cpu');
    const onCpu = await train(config);
    await tf.setBackend('wasm');
    expect(onWasm.kept).toBe(2 * SHAPES.length);
    expect(onWasm.kept).toBe(onCpu.kept);
    expect(onWasm.iterations).toBe(4);
    expect(onWasm.iterations).toBe(onCpu.iterations);
    expect(onWasm.moments).toEqual(onCpu.moments);
    expect(onWasm.values).toEqual(onCpu.values);
    // The run moved every weight.
    expect(onWasm.values[0]).not.toEqual(seeded(72, 10));
  });

  it('a step on wasm is one update kernel a variable and two for the bias corrections', async () => {
    const variables = tf.tidy(() => SHAPES.map((shape, i) => tf.variable(tf.zeros(shape), true, `profiled${i}`)));
    const optimizer = tf.train.adam(0.001);
    const gradients = Object.fromEntries(variables.map((v) => [v.name, tf.onesLike(v)]));
    optimizer.applyGradients(gradients); // makes the moments
    const { kernels } = await tf.profile(() => optimizer.applyGradients(gradients));
    expect(kernels.map((k) => k.name)).toEqual([...SHAPES.map(() => ADAM_UPDATE_KERNEL), 'Multiply', 'Multiply']);
    tf.dispose([...variables, ...Object.values(gradients)]);
    optimizer.dispose();
  });
});
