// Backend selection inside the worker: webgpu -> webgl -> the faster of wasm and cpu, probing
// before trusting tfjs (with a null adapter setBackend('webgpu') resolves false and leaves no
// backend). A WebGPU adapter, software (Chromium's SwiftShader: it trained 17x slower than cpu on a
// 2-core machine) or hardware, and WebGL where there is no WebGPU, are raced against wasm and cpu
// on real training steps; the page keeps each verdict per adapter and browser.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import pthreadWorkerUrl from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js?url';
import pthreadMainUrl from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url';
import { backendThreads, setBackendChecked, setUpBackend, type WasmEnvironment } from '../backends/setup';
import { wasmThreadsFor } from '../backends/wasmThreads';
import { getArchitecture } from '../models/architectures';
import type { BackendName, RaceVerdict, RememberedRaces } from './protocol';
import { errorMessage } from '../core/errors';
import { isSoftwareAdapter } from './softwareAdapter';

export interface BackendChoice {
  backend: BackendName;
  /** Why a faster backend was not used, or null when the first choice worked. */
  fallbackReason: string | null;
  /** Why this backend was picked when the lab chose by measurement (null: the first that worked, or forced). */
  why?: string | null;
  /** Threads the backend computes on: wasm's XNNPACK pool (1 without cross-origin isolation), else 1. */
  threads?: number;
  /** A race run now: its verdict, for the page to keep under its key. */
  race?: RaceVerdict & { key: string };
}

/** A hardware adapter's own words (vendor, architecture, device, description), for the race's note and key. */
export function adapterName(adapter: { info?: Partial<GPUAdapterInfo> } | null): string {
  const info = adapter?.info ?? {};
  return [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'GPU adapter';
}

/**
 * What a WebGPU adapter is raced against, and how the verdict opens: a software one (SwiftShader)
 * and a hardware one alike, against the cpu-side backends. A hardware GPU is not trusted
 * unmeasured: for the lab's small students tfjs' per-op dispatch on an integrated GPU can lose to
 * wasm on every core (docs/ARCHITECTURE.md §6).
 */
export function webGpuRace(software: string | null, hardware: string, cpuSide: readonly BackendName[]): { candidates: BackendName[]; note: string; adapter: string } {
  return software
    ? { candidates: [...cpuSide, 'webgpu'], note: `webgpu is a software adapter here (${software}); `, adapter: software }
    : { candidates: [...cpuSide, 'webgpu'], note: `webgpu on ${hardware}, measured; `, adapter: hardware };
}

/** The adapter's own words when it is a software (CPU-emulated) one, else null. */
export function softwareAdapterName(adapter: { isFallbackAdapter?: boolean; info?: Partial<GPUAdapterInfo> } | null): string | null {
  if (!adapter) return null;
  const info = adapter.info ?? {};
  const words = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  if (adapter.isFallbackAdapter || (info as { isFallbackAdapter?: boolean }).isFallbackAdapter || isSoftwareAdapter(words)) return words || 'fallback adapter';
  return null;
}

const ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** wasm's threads here: one per core (at most MAX_WASM_THREADS) where the page is cross-origin isolated, else 1. */
function wantedWasmThreads(): number {
  const isolated = typeof crossOriginIsolated === 'boolean' && crossOriginIsolated;
  return isolated ? wasmThreadsFor(navigator.hardwareConcurrency) : 1;
}

/**
 * The page's facts for the wasm backend: its own origin's .wasm files (bundled, nothing fetched
 * elsewhere; SIMD where the browser has it) and pthread scripts, on `threads` threads.
 */
function pageWasm(threads: number): WasmEnvironment {
  return {
    threads,
    wasmPaths: {
      'tfjs-backend-wasm.wasm': wasmPlainUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
    },
    pthreadFiles: () => ({ worker: new URL(pthreadWorkerUrl, location.href).href, main: new URL(pthreadMainUrl, location.href).href }),
  };
}

/**
 * The wasm backend started with the lab's kernels on `threads` threads (default: wantedWasmThreads),
 * its pthread workers (if tfjs finds shared memory) from the page's origin; false when it did not
 * start (a pthread worker that did not load included).
 */
export async function startWasm(threads = wantedWasmThreads()): Promise<boolean> {
  const start = await setUpBackend('wasm', pageWasm(threads));
  if (start.problem) console.warn(`wasm: ${start.problem}`);
  return start.started;
}

/** WebGPU started with its adapter, or why not. */
async function tryWebGpu(): Promise<{ problem: string; adapter: null } | { problem: null; adapter: GPUAdapter }> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { problem: 'WebGPU is not available here (navigator.gpu is missing)', adapter: null };
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (error) {
    return { problem: `WebGPU adapter request failed: ${errorMessage(error)}`, adapter: null };
  }
  if (!adapter) return { problem: 'WebGPU has no adapter (requestAdapter() returned null)', adapter: null };
  return (await setBackendChecked('webgpu')) ? { problem: null, adapter } : { problem: 'tfjs could not start its WebGPU backend', adapter: null };
}

/** Longest a probe waits for one backend's steps: the whole probe stays near 2 s. */
const PROBE_BUDGET_MS = 900;
/** Longest the choice waits for a step that ran past its probe's budget. */
const DRAIN_LIMIT_MS = 20_000;

/**
 * ms per student-only training step (tiny-cnn, 28x28x1, batch 32, Adam) on a backend, after one
 * warm-up step; `complete` false when the budget ran out first (ms is then a lower bound).
 */
async function timeTrainingSteps(name: BackendName, budgetMs: number): Promise<{ ms: number; complete: boolean; pending?: Promise<void> }> {
  if (!(await setBackendChecked(name))) return { ms: Infinity, complete: false };
  const model = getArchitecture('tiny-cnn', 'student').build([28, 28, 1], 10, 1);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomUniform([32, 28, 28, 1], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 10), 'int32'), 10);
  const step = async () => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
    await loss?.data();
    loss?.dispose();
  };
  const deadline = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), budgetMs));
  const started = performance.now();
  // The step still running when the budget ran out: a slow device goes on with it after the probe.
  let running: Promise<void> = Promise.resolve();
  const next = () => (running = step());
  try {
    if ((await Promise.race([next(), deadline])) === 'late') return { ms: performance.now() - started, complete: false, pending: running };
    const timed = performance.now();
    let steps = 0;
    while (performance.now() - started < budgetMs || steps === 0) {
      if ((await Promise.race([next(), deadline])) === 'late') return { ms: steps === 0 ? performance.now() - timed : (performance.now() - timed) / steps, complete: steps > 0, pending: running };
      steps++;
    }
    return { ms: (performance.now() - timed) / steps, complete: true };
  } finally {
    // Work still queued on a slow device finishes first; tfjs frees these afterwards.
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}

const ratio = (slow: number, fast: number) => (slow / fast >= 10 ? Math.round(slow / fast) : Number((slow / fast).toFixed(1)));

/** "12 ms" or "> 901 ms" (a probe that ran out of time: a lower bound). */
const stepTime = (timing: { ms: number; complete: boolean }) => `${timing.complete ? '' : '> '}${timing.ms.toFixed(0)} ms`;

/**
 * Time real training steps on each candidate and keep the fastest; returns it with the reason in
 * words ("wasm is 3.2× faster than cpu (14 vs 45 ms a training step)"). `note` opens the reason
 * (the software adapter's name).
 */
async function raceBackends(candidates: BackendName[], note: string): Promise<{ backend: BackendName; why: string }> {
  const timings = new Map<BackendName, { ms: number; complete: boolean; pending?: Promise<void> }>();
  // The cpu-side backends first: a software adapter's queued work would otherwise still hold the cores while they are timed.
  for (const name of candidates) timings.set(name, await timeTrainingSteps(name, PROBE_BUDGET_MS));
  // A step the budget cut short goes on (a software adapter compiles and runs it on the CPU for
  // seconds): the choice waits for it, so the first run does not share the cores with it (it ran
  // at half speed when started at once).
  await Promise.race([Promise.all([...timings.values()].map((t) => t.pending?.catch(() => {}))), new Promise((resolve) => setTimeout(resolve, DRAIN_LIMIT_MS))]);
  const ranked = [...timings].filter(([, t]) => t.complete).sort((a, b) => a[1].ms - b[1].ms);
  const [best, timing] = ranked[0] ?? ['cpu', timings.get('cpu') ?? { ms: Infinity, complete: false }];
  if (!(await startChosen(best))) {
    await useCpu();
    return { backend: 'cpu', why: `${note}${best} failed to restart after its probe` };
  }
  const others = candidates.filter((name) => name !== best).map((name) => {
    const other = timings.get(name)!;
    return `${other.complete ? '' : 'at least '}${ratio(other.ms, timing.ms)}× faster than ${name}`;
  });
  const times = [best, ...candidates.filter((name) => name !== best)].map((name) => stepTime(timings.get(name)!)).join(' vs ');
  return { backend: best, why: `${note}${best} is ${others.join(', ')} (${times} a training step)` };
}

async function tryWebGl(): Promise<string | null> {
  try {
    await import('@tensorflow/tfjs-backend-webgl');
  } catch (error) {
    return `the WebGL backend failed to load: ${errorMessage(error)}`;
  }
  if (typeof OffscreenCanvas === 'undefined') return 'WebGL in a worker needs OffscreenCanvas, which is missing';
  return (await setBackendChecked('webgl')) ? null : 'WebGL is not available (no context)';
}

/** Make a race's winner (or a kept verdict) the backend in use; false when it does not start. */
async function startChosen(name: BackendName): Promise<boolean> {
  return name === 'cpu' ? (await setUpBackend('cpu')).started : setBackendChecked(name);
}

export async function useCpu(): Promise<void> {
  if (!(await setUpBackend('cpu')).started) throw new Error('Even the cpu backend failed to start');
}

/** The cpu-side candidates that start here, wasm first when it works. */
async function cpuSideBackends(): Promise<BackendName[]> {
  return (await startWasm()) ? ['wasm', 'cpu'] : ['cpu'];
}

/**
 * Pick the fastest working backend, starting at `preferred` (forced by the user: taken as it is
 * when it works). Without a preference the GPU backend that starts (WebGPU's adapter, software or
 * hardware, else WebGL) is raced against wasm and cpu, and without a GPU backend wasm against cpu.
 */
export async function selectBackend(preferred?: BackendName, remembered: RememberedRaces = {}): Promise<BackendChoice> {
  const choice = await chooseBackend(preferred, remembered);
  return { ...choice, threads: backendThreads() };
}

/**
 * What a race's verdict depends on: the adapter, the candidates, wasm's threads and the browser
 * (its version included). The same key on a later visit takes the kept verdict instead of racing.
 */
export function raceKey(adapter: string, candidates: readonly BackendName[], threads: number, browser: string): string {
  return [adapter || 'no GPU adapter', candidates.join(' + '), `${threads} thread${threads === 1 ? '' : 's'}`, browser].join(' | ');
}

/** The race's kept verdict when it starts here, else a race now (whose verdict the page keeps). */
async function raceOrRemember(candidates: BackendName[], note: string, adapter: string, remembered: RememberedRaces): Promise<{ backend: BackendName; why: string; race?: RaceVerdict & { key: string } }> {
  const key = raceKey(adapter, candidates, wantedWasmThreads(), typeof navigator === 'undefined' ? '' : navigator.userAgent);
  const kept = remembered[key];
  if (kept && candidates.includes(kept.backend)) {
    if (await startChosen(kept.backend)) return { backend: kept.backend, why: `${kept.why}; measured on an earlier visit in this browser` };
  }
  const raced = await raceBackends(candidates, note);
  return { ...raced, race: { key, backend: raced.backend, why: raced.why } };
}

async function chooseBackend(preferred: BackendName | undefined, remembered: RememberedRaces): Promise<BackendChoice> {
  const start = preferred ? ORDER.indexOf(preferred) : 0;
  const reasons: string[] = [];
  for (const name of ORDER.slice(Math.max(start, 0))) {
    if (name === 'webgpu') {
      const { problem, adapter } = await tryWebGpu();
      if (problem === null && preferred) return { backend: 'webgpu', fallbackReason: reasons.join('; ') || null };
      if (problem === null) {
        // Software or hardware, the adapter is measured against the cpu-side backends (once per adapter and browser).
        const race = webGpuRace(softwareAdapterName(adapter), adapterName(adapter), await cpuSideBackends());
        const raced = await raceOrRemember(race.candidates, race.note, race.adapter, remembered);
        return { backend: raced.backend, fallbackReason: null, why: raced.why, ...(raced.race ? { race: raced.race } : {}) };
      }
      reasons.push(problem);
    } else if (name === 'webgl') {
      const problem = await tryWebGl();
      if (problem === null && preferred) return { backend: 'webgl', fallbackReason: reasons.join('; ') || null };
      if (problem === null) {
        // WebGL (no WebGPU here) is measured too: its verdict is kept per browser like any race's.
        const raced = await raceOrRemember([...(await cpuSideBackends()), 'webgl'], 'webgl, measured; ', 'WebGL', remembered);
        return { backend: raced.backend, fallbackReason: reasons.join('; ') || null, why: raced.why, ...(raced.race ? { race: raced.race } : {}) };
      }
      reasons.push(problem);
    } else if (name === 'wasm') {
      const candidates = await cpuSideBackends();
      if (preferred === 'wasm' && candidates.includes('wasm')) return { backend: 'wasm', fallbackReason: null };
      if (candidates.length > 1) {
        const raced = await raceOrRemember(candidates, '', '', remembered);
        return { backend: raced.backend, fallbackReason: reasons.join('; ') || null, why: raced.why, ...(raced.race ? { race: raced.race } : {}) };
      }
      if (preferred === 'wasm') reasons.push('the wasm backend did not start');
    } else {
      await useCpu();
      return { backend: 'cpu', fallbackReason: reasons.join('; ') || null };
    }
  }
  await useCpu();
  return { backend: 'cpu', fallbackReason: reasons.join('; ') || null };
}

/** The WebGPU device's `lost` promise, when the current backend is webgpu. */
export function webGpuDeviceLost(): Promise<GPUDeviceLostInfo> | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  return device?.lost ?? null;
}

export function destroyWebGpuDevice(): void {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  device?.destroy();
}
