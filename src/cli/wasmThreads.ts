// The backend in Node (the CLI and the benchmark): the shared set-up (src/backends/setup.ts) with
// Node's facts, wasm's threads as worker_threads for Emscripten's pthreads, started from tfjs'
// published files on disk (src/backends/wasmThreads.ts says why the blob: URLs tfjs makes cannot be
// used).
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { setUpBackend, type BackendStart, type LabBackendName, type WasmEnvironment } from '../backends/setup';
import { wasmThreadsFor, type PthreadFiles, type ThreadHost } from '../backends/wasmThreads';

const require = createRequire(import.meta.url);
/** tfjs-backend-wasm's own priority (its base.js), kept when the backend is registered again. */
const WASM_PRIORITY = 2;
const WASM_OUT = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');

/** Emscripten's pthread worker as code for worker_threads' `eval`, and tfjs' threaded factory's path. */
function nodePthreadFiles(): PthreadFiles {
  const { wasmWorkerContents } = require(path.join(WASM_OUT, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  // The string's "\n" escapes are newlines once it is a string: written back as escapes, as tfjs does.
  return { worker: '', workerCode: wasmWorkerContents.replace(/\n/g, '\\n'), main: path.join(WASM_OUT, 'tfjs-backend-wasm-threaded-simd.js') };
}

/** worker_threads' Worker, and os.cpus() (what Emscripten counts in Node) lengthened while tfjs starts. */
const nodeHost: ThreadHost = {
  Worker: Worker as unknown as ThreadHost['Worker'],
  reportCores(cores) {
    const cpus = os.cpus;
    os.cpus = () => {
      const real = cpus();
      return Array.from({ length: cores }, (_, i) => real[i % real.length]);
    };
    return () => {
      os.cpus = cpus;
    };
  },
};

/** One thread per core, at most MAX_WASM_THREADS: the CLI's default for --threads. */
export const defaultWasmThreads = (): number => wasmThreadsFor(os.availableParallelism?.() ?? os.cpus().length);

/** Node's facts for the wasm backend: tfjs' files on disk, worker_threads, and shared memory (tfjs' check says no: it is for browsers). */
const nodeWasm = (threads: number): WasmEnvironment => ({ threads, pthreadFiles: nodePthreadFiles, host: nodeHost, sharedMemory: true });

/**
 * The backend as the CLI and the benchmark run it in Node: setUpBackend with Node's facts, wasm on
 * `threads` threads for tfjs' kernels (1: the single-threaded SIMD build; the lab's kernels run on
 * this thread). A wasm backend already started is disposed first (with its tensors and pthread
 * workers) and started afresh: the benchmark times 1 and N threads in one process.
 */
export async function startNodeBackend(name: LabBackendName, threads = defaultWasmThreads()): Promise<BackendStart> {
  const factory = name === 'wasm' && tf.findBackend('wasm') ? tf.findBackendFactory('wasm') : null;
  if (factory) {
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', factory, WASM_PRIORITY);
  }
  return setUpBackend(name, nodeWasm(threads));
}

/** startNodeBackend('wasm'): the threads it got (fewer where tfjs refuses), or 0 when the backend did not start. */
export async function startNodeWasm(threads: number): Promise<number> {
  return (await startNodeBackend('wasm', threads)).threads;
}
