// The one backend set-up of the worker and the CLI (docs/ARCHITECTURE.md §6): tfjs started on cpu
// or on wasm with the lab's kernels installed. What differs between a page and Node comes in as
// facts (the threads, where the .wasm files and the pthread scripts are, the Worker class, whether
// shared memory is there); which backend to start (the worker's measuring race, the CLI's flags)
// stays with each runtime.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { errorMessage } from '../core/errors';
import { installFastCpuKernels } from './cpuKernels';
import { prepareWasmTraining } from './wasmKernels';
import { wasmThreadsInUse, withPthreadFiles, type PthreadFiles, type ThreadHost } from './wasmThreads';

/** The backends the lab has kernels for. */
export type LabBackendName = 'cpu' | 'wasm';

/** Where the wasm backend starts: the facts of a page or of Node. */
export interface WasmEnvironment {
  /** Threads for tfjs' kernels; 1 keeps the single-threaded SIMD build, which needs no shared memory. */
  threads: number;
  /** The .wasm files (setWasmPaths' map: a page's own bundled files); absent: where tfjs looks (in Node, its package). */
  wasmPaths?: Parameters<typeof setWasmPaths>[0];
  /** Where tfjs' pthread workers find their two scripts: asked for when threads > 1 and there is shared memory. */
  pthreadFiles?: () => PthreadFiles;
  /** The Worker class and the core count the runtime reports while tfjs starts (default: a browser's). */
  host?: ThreadHost;
  /** Shared memory and workers are there though tfjs' check, written for browsers, says no (Node). */
  sharedMemory?: boolean;
}

/** How a set-up went. */
export interface BackendStart {
  /** tfjs runs on the backend asked for. */
  started: boolean;
  /** Threads tfjs' kernels run on (wasm: fewer than asked where tfjs refuses more); 0 when it did not start. */
  threads: number;
  /** Why the threaded wasm backend did not start (a pthread worker that did not load), else null. */
  problem: string | null;
}

/** setBackend(name), checked: false when tfjs failed or is on another backend (docs/ARCHITECTURE.md §7). */
export async function setBackendChecked(name: string): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return false;
    await tf.ready();
    return tf.getBackend() === name;
  } catch {
    return false;
  }
}

/**
 * tfjs on `name` with the lab's kernels: cpu with the fast cpu kernels, or wasm as `wasm` says
 * (threads, files, host) with the training kernels registered before it starts.
 */
export async function setUpBackend(name: LabBackendName, wasm: WasmEnvironment = { threads: 1 }): Promise<BackendStart> {
  if (name === 'wasm') return startWasm(wasm);
  installFastCpuKernels();
  return started(await setBackendChecked('cpu'), 1);
}

/** Threads of the current backend: wasm's pool, 1 for the others. */
export function backendThreads(): number {
  return tf.getBackend() === 'wasm' ? wasmThreadsInUse() : 1;
}

const started = (ok: boolean, threads: number): BackendStart => ({ started: ok, threads: ok ? threads : 0, problem: null });

/** setBackend('wasm') on `env.threads` threads, its pthread workers (where there is shared memory) loading `env`'s files. */
async function startWasm(env: WasmEnvironment): Promise<BackendStart> {
  prepareWasmTraining(env.threads);
  if (env.wasmPaths) setWasmPaths(env.wasmPaths);
  if (env.threads <= 1) return started(await setBackendChecked('wasm'), 1);
  if (env.sharedMemory) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  if (!(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))) return started(await setBackendChecked('wasm'), 1);
  if (!env.pthreadFiles) throw new Error('the threaded wasm backend needs its pthread files');
  try {
    const ok = await withPthreadFiles(env.pthreadFiles(), env.threads, () => setBackendChecked('wasm'), env.host);
    return started(ok, wasmThreadsInUse());
  } catch (error) {
    return { started: false, threads: 0, problem: errorMessage(error) };
  }
}
