// The wasm backend's threads (src/backends/wasmThreads.ts, src/cli/wasmThreads.ts): pthread workers
// started from real files instead of tfjs' blob: URLs, the lab's SIMD module on the threaded
// build's shared heap, and a threaded training run giving the single-threaded run's numbers.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { simdKernelsFor } from '../../src/backends/wasmSimdKernels';
import { MAX_WASM_THREADS, wasmThreadsFor, wasmThreadsInUse, withPthreadFiles } from '../../src/backends/wasmThreads';
import { startNodeWasm } from '../../src/cli/wasmThreads';
import { getArchitecture } from '../../src/models/architectures';

describe('wasm threads', () => {
  it('one thread per core, at least 1, at most MAX_WASM_THREADS', () => {
    expect([undefined, 0, 1, 2, 3.5, 16].map(wasmThreadsFor)).toEqual([1, 1, 1, 2, 3, MAX_WASM_THREADS]);
  });

  it('while the backend starts, a blob: worker loads the pthread file and gets the factory\'s file, and Worker is put back after', async () => {
    const made: { url: string; messages: unknown[] }[] = [];
    class FakeWorker {
      messages: unknown[] = [];
      constructor(url: string | URL) {
        made.push({ url: String(url), messages: this.messages });
      }
      postMessage(message: unknown): void {
        this.messages.push(message);
      }
    }
    const files = { worker: 'https://lab.example/assets/pthread.js', main: 'https://lab.example/assets/factory.js' };
    const cores: number[] = [];
    const host = { Worker: FakeWorker, reportCores: (n: number) => (cores.push(n), () => cores.push(-1)) };
    const scope = globalThis as { Worker?: unknown };
    const before = scope.Worker;
    await withPthreadFiles(files, 3, async () => {
      const Replaced = scope.Worker as new (url: string) => FakeWorker;
      scope.Worker = class Ignored {}; // Emscripten's `global.Worker = worker_threads.Worker` in Node
      expect(scope.Worker).toBe(Replaced);
      const pthread = new Replaced('blob:https://lab.example/1234');
      pthread.postMessage({ cmd: 'load', urlOrBlob: new Blob(['factory source']), handlers: [] });
      pthread.postMessage({ cmd: 'run', arg: 1 });
      new Replaced('https://lab.example/other.js');
    }, host);
    expect(made.map((m) => m.url)).toEqual([files.worker, 'https://lab.example/other.js']);
    expect(made[0].messages).toEqual([{ cmd: 'load', urlOrBlob: files.main, handlers: [] }, { cmd: 'run', arg: 1 }]);
    // tfjs' C++ side takes half the cores it is told: told 6 while it starts, it uses 3.
    expect(cores).toEqual([6, -1]);
    expect(scope.Worker).toBe(before);
  });

  it('a pthread worker that does not load ends the start with its reason instead of a wait for ever', async () => {
    class FailingWorker {
      private listener: ((event: unknown) => void) | null = null;
      constructor(readonly url: string | URL) {}
      addEventListener(_type: 'error', listener: (event: unknown) => void): void {
        this.listener = listener;
      }
      postMessage(): void {
        this.listener?.({ message: 'Failed to load the script' });
      }
    }
    const host = { Worker: FailingWorker, reportCores: () => () => {} };
    const started = withPthreadFiles({ worker: 'pthread.js', main: 'factory.js' }, 2, async () => {
      const Replaced = (globalThis as { Worker?: unknown }).Worker as new (url: string) => FailingWorker;
      new Replaced('blob:x').postMessage();
      return new Promise<boolean>(() => {}); // tfjs waiting for its workers
    }, host);
    await expect(started).rejects.toThrow('a pthread worker of the wasm backend did not load: Failed to load the script');
    expect((globalThis as { Worker?: unknown }).Worker).toBeUndefined();
  });

  it('the lab\'s SIMD module runs on a shared heap (the threaded build\'s) as on an unshared one', () => {
    const sums = (memory: WebAssembly.Memory) => {
      const kernels = simdKernelsFor(memory);
      expect(kernels).not.toBeNull();
      const heap = new Float32Array(memory.buffer);
      heap.set(Array.from({ length: 32 }, (_, i) => i * 0.25 - 3));
      kernels!.sumRows(0, 256, 4, 8); // 4 rows of 8 channels at byte 0, sums at byte 256
      return Array.from(heap.subarray(64, 72));
    };
    const shared = sums(new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true }));
    expect(shared).toEqual(sums(new WebAssembly.Memory({ initial: 1 })));
    expect(shared[0]).toBe(-3 - 1 + 1 + 3);
  });
});

describe('the threaded wasm backend in Node', () => {
  afterAll(() => tf.removeBackend('wasm'));

  /** Loss of each of five Adam steps of tiny-cnn on 16 MNIST-shaped images, and the trained weights. */
  async function train(): Promise<{ losses: number[]; weights: number[] }> {
    const model = getArchitecture('tiny-cnn', 'student').build([28, 28, 1], 10, 7);
    const optimizer = tf.train.adam(1e-2);
    const x = tf.randomUniform([16, 28, 28, 1], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), 'int32'), 10);
    const losses: number[] = [];
    for (let step = 0; step < 5; step++) {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true)!;
      losses.push((await loss.data())[0]);
      loss.dispose();
    }
    const weights = Array.from(await model.getWeights()[0].data());
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
    return { losses, weights };
  }

  it('starts on 2 threads from tfjs\' files on disk and trains to the single-threaded numbers, bit for bit', async () => {
    expect(await startNodeWasm(2)).toBe(2);
    expect(wasmThreadsInUse()).toBe(2);
    const threaded = await train();
    expect(await startNodeWasm(1)).toBe(1);
    expect(wasmThreadsInUse()).toBe(1);
    const single = await train();
    expect(threaded.losses.every(Number.isFinite)).toBe(true);
    expect(threaded).toEqual(single);
  }, 60_000);
});
