// Every unit test runs on tfjs' cpu backend, as the CLI does. The fast cpu kernels are NOT
// installed here: test/backends/cpuKernels.test.ts compares them with tfjs' own, and the tests
// that train call installFastCpuKernels() themselves.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';

// IS_NODE only decides whether the cpu backend prints its "install tfjs-node" banner; the
// platform (fetch, TextEncoder) was chosen when tfjs-core loaded.
tf.env().set('IS_NODE', false);
if (process.env.TEST_BACKEND === 'wasm') {
  // `npm run test:wasm` (TEST_BACKEND=wasm): the losses' golden values and gradients, every
  // method's training and the loop's tests on the wasm path (part of npm test).
  // The set-up the worker and the CLI use, on one thread.
  const { setUpBackend } = await import('../src/backends/setup');
  if (!(await setUpBackend('wasm')).started) throw new Error('TEST_BACKEND=wasm: the wasm backend did not start');
} else {
  await tf.setBackend('cpu');
}
await tf.ready();
