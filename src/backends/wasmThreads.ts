// The wasm backend's threads. Its threaded build (Emscripten pthreads: XNNPACK's convolutions and
// matrix products split over a pool of workers sharing the heap) starts every pthread worker from a
// blob: URL that tfjs writes at run time: the worker's script, and the backend's factory as the
// text of the function the bundler compiled (Function.prototype.toString). In the built page that
// text refers to a name the minifier gave a variable outside it (the pthread worker died with
// "ReferenceError: e is not defined"), a Content-Security-Policy of `worker-src 'self'` refuses
// blob: workers (the backend then waited for its workers for ever), and Node's worker_threads
// cannot load blob: URLs at all. So while the backend starts, `Worker` is replaced by one that
// loads two real files instead: Emscripten's pthread script and tfjs' unbundled factory
// (wasm-out/tfjs-backend-wasm-threaded-simd.js), served from the page's origin or read from disk.
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

/** More threads than this buy little on the lab's small nets, and tfjs starts 8 pthread workers. */
export const MAX_WASM_THREADS = 8;

/** Where a pthread worker finds its two scripts: absolute URLs in a browser, file paths in Node. */
export interface PthreadFiles {
  /** Emscripten's pthread worker (tfjs ships it only as a string: wasm-out/…-threaded-simd.worker.js). */
  worker: string;
  /** tfjs' threaded factory as published (wasm-out/tfjs-backend-wasm-threaded-simd.js). */
  main: string;
  /** Node: the worker's script is this code (worker_threads' `eval`), `worker` is unused. */
  workerCode?: string;
}

/** The thread count for `cores` logical cores: all of them, at most MAX_WASM_THREADS. */
export function wasmThreadsFor(cores: number | undefined): number {
  return Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(cores ?? 1) || 1));
}

/**
 * Asks for `threads` threads when the wasm backend starts (before setBackend('wasm')); 1 keeps
 * the single-threaded SIMD build, which needs no shared memory.
 */
export function requestWasmThreads(threads: number): void {
  if (threads > 1) setThreadsCount(threads);
  else tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
}

/** Threads the started wasm backend runs XNNPACK on (1 before it started or without threads). */
export function wasmThreadsInUse(): number {
  try {
    return getThreadsCount();
  } catch {
    return 1;
  }
}

type WorkerConstructor = new (url: string | URL, options?: object) => {
  postMessage(message: unknown, transfer?: unknown): void;
};

interface PthreadLoad {
  cmd: 'load';
  urlOrBlob: unknown;
}

const isLoad = (message: unknown): message is PthreadLoad => typeof message === 'object' && message !== null && (message as { cmd?: unknown }).cmd === 'load';

/** A browser's Worker (error events) or worker_threads' (an 'error' event emitter). */
interface ErrorSource {
  addEventListener?: (type: 'error', listener: (event: unknown) => void) => void;
  on?: (type: 'error', listener: (error: unknown) => void) => void;
}

/** `Base` with blob: script URLs replaced by `files`; `failed` hears a pthread worker that did not load. */
function pthreadWorkerClass(Base: WorkerConstructor, files: PthreadFiles, failed: (error: unknown) => void): WorkerConstructor {
  return class PthreadWorker extends Base {
    constructor(url: string | URL, options?: object) {
      const blob = String(url).startsWith('blob:');
      if (blob && typeof URL.revokeObjectURL === 'function') URL.revokeObjectURL(String(url));
      if (blob && files.workerCode !== undefined) super(files.workerCode, { ...options, eval: true });
      else super(blob ? files.worker : url, options);
      const events = this as unknown as ErrorSource;
      if (events.addEventListener) events.addEventListener('error', failed);
      else events.on?.('error', failed);
    }

    override postMessage(message: unknown, transfer?: unknown): void {
      // The factory travels as a Blob of its compiled source: the published file instead.
      if (isLoad(message) && typeof message.urlOrBlob !== 'string') message = { ...message, urlOrBlob: files.main };
      super.postMessage(message, transfer);
    }
  };
}

/** What differs between a browser and Node while the threaded backend starts. */
export interface ThreadHost {
  /** The Worker to build pthread workers on (Node: worker_threads' Worker); default: the global one. */
  Worker?: WorkerConstructor;
  /** Makes the runtime report `cores` logical cores until the returned function is called. */
  reportCores(cores: number): () => void;
}

/** A browser's (or its worker's) navigator.hardwareConcurrency, shadowed on the navigator itself. */
export const browserHost: ThreadHost = {
  reportCores(cores) {
    const nav = navigator as { hardwareConcurrency: number };
    Object.defineProperty(nav, 'hardwareConcurrency', { configurable: true, get: () => cores });
    return () => delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  },
};

/**
 * Runs `start` (the first setBackend('wasm')) with `Worker` loading `files` for tfjs' pthread
 * workers, then puts `Worker` back: the pool of pthread workers is made while the backend starts.
 * In Node the threaded factory installs worker_threads' Worker as the global `Worker`: that
 * assignment is ignored meanwhile. tfjs' C++ side takes half the logical cores as its thread limit
 * (it assumes two hardware threads a core: a 2-core machine would get one thread), so while it starts
 * the runtime reports twice `threads` cores and the limit is `threads`. Rejects when a pthread
 * worker fails to load (tfjs would wait for it for ever).
 */
export async function withPthreadFiles<T>(files: PthreadFiles, threads: number, start: () => Promise<T>, host: ThreadHost = browserHost): Promise<T> {
  const scope = globalThis as { Worker?: unknown };
  const had = Object.getOwnPropertyDescriptor(scope, 'Worker');
  const Base = (host.Worker ?? scope.Worker) as WorkerConstructor | undefined;
  if (!Base) return start();
  let fail: (error: Error) => void = () => {};
  const failure = new Promise<never>((_, reject) => (fail = reject));
  const Replacement = pthreadWorkerClass(Base, files, (event) => {
    const message = (event as { message?: unknown })?.message;
    fail(new Error(`a pthread worker of the wasm backend did not load${typeof message === 'string' && message ? `: ${message}` : ''}`));
  });
  Object.defineProperty(scope, 'Worker', { configurable: true, get: () => Replacement, set: () => {} });
  const restoreCores = host.reportCores(2 * threads);
  try {
    return await Promise.race([start(), failure]);
  } finally {
    restoreCores();
    if (had) Object.defineProperty(scope, 'Worker', had);
    else delete scope.Worker;
  }
}
