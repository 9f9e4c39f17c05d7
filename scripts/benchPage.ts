// The benchmark in Chromium: /bench.html?backend=cpu|wasm|webgl|webgpu&setup=mnist&warmup=2&steps=2&minRounds=3&maxRounds=15&budget=60&threads=2
// (threads: wasm's, where the page is cross-origin isolated; default one per core).
// Runs on the main thread (a benchmark page has no UI to keep responsive) and leaves its result in
// window.__bench for scripts/bench.ts to collect.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { installFastCpuKernels } from '../src/train/cpuKernels';
import { backendThreads, prepareWasm, startWasm } from '../src/worker/backend';
import { benchCurrentBackend, SETUPS, type BackendBench } from './benchSteps';

export type BenchPageResult =
  | { ok: true; result: BackendBench; userAgent: string; hardwareConcurrency: number; crossOriginIsolated: boolean; threads: number; adapter: string | null }
  | { ok: false; backend: string; unavailable: boolean; message: string };

declare global {
  interface Window {
    __bench?: BenchPageResult;
  }
}

const logElement = document.getElementById('log');
function log(line: string): void {
  console.log(line);
  if (logElement) logElement.textContent += `${line}\n`;
}

class Unavailable extends Error {}

/** Switch tfjs to `name`, checking every step (docs/ARCHITECTURE.md §7: a null adapter leaves no backend). */
async function useBackend(name: string, threads: number | undefined): Promise<string | null> {
  let adapter: string | null = null;
  if (name === 'webgpu') {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    if (!gpu) throw new Unavailable('navigator.gpu is missing');
    const found = await gpu.requestAdapter();
    if (!found) throw new Unavailable('requestAdapter() returned null');
    const info = found.info;
    adapter = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  }
  if (name === 'cpu') installFastCpuKernels();
  if (name === 'wasm') {
    prepareWasm(threads);
    if (!(await startWasm(threads))) throw new Unavailable('the wasm backend did not start');
  } else if (!(await tf.setBackend(name))) throw new Unavailable(`tf.setBackend('${name}') returned false`);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Unavailable(`tfjs is on ${tf.getBackend()}, not ${name}`);
  return adapter;
}

async function main(): Promise<BenchPageResult> {
  const query = new URLSearchParams(location.search);
  const backend = query.get('backend') ?? 'webgpu';
  const setup = SETUPS[query.get('setup') ?? 'mnist'];
  if (!setup) return { ok: false, backend, unavailable: false, message: `unknown setup ${query.get('setup')}` };
  let adapter: string | null;
  try {
    adapter = await useBackend(backend, query.has('threads') ? Number(query.get('threads')) : undefined);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, backend, unavailable: error instanceof Unavailable, message };
  }
  log(`${backend}${adapter ? ` (${adapter})` : ''}, ${backendThreads()} thread(s): ${setup.label}`);
  const result = await benchCurrentBackend({
    setup,
    warmupSteps: Number(query.get('warmup') ?? 2),
    steps: Number(query.get('steps') ?? 2),
    minRounds: Number(query.get('minRounds') ?? 3),
    maxRounds: Number(query.get('maxRounds') ?? 15),
    budgetSeconds: Number(query.get('budget') ?? 60),
    log,
  });
  const isolated = typeof crossOriginIsolated === 'boolean' && crossOriginIsolated;
  return { ok: true, result, userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency, crossOriginIsolated: isolated, threads: backendThreads(), adapter };
}

function start(): void {
  main()
    .catch((error): BenchPageResult => ({ ok: false, backend: currentBackend(), unavailable: false, message: String(error?.stack ?? error) }))
    .then((result) => {
      log(JSON.stringify(result, null, 2));
      window.__bench = result;
    });
}

function currentBackend(): string {
  try {
    return tf.getBackend() ?? '?';
  } catch {
    return '?';
  }
}

// Start after the load event: cpu kernels run synchronously and would hold the event back.
window.addEventListener('load', () => setTimeout(start, 0), { once: true });
