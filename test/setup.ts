// Every unit test runs on tfjs' cpu backend, as the CLI does. The fast cpu kernels are NOT
// installed here: test/train/cpuKernels.test.ts compares them with tfjs' own, and the tests
// that train call installFastCpuKernels() themselves.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';

// IS_NODE only decides whether the cpu backend prints its "install tfjs-node" banner; the
// platform (fetch, TextEncoder) was chosen when tfjs-core loaded.
tf.env().set('IS_NODE', false);
await tf.setBackend('cpu');
await tf.ready();
