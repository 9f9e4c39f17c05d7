// The benchmark in Chromium, in a module worker as the lab trains (scripts/benchPage.ts starts it with
// the page's query): a page's main thread may not block (Atomics.wait), so there the threaded wasm
// backend spins while its threads work, which the lab's worker never does. Posts log lines ({ log })
// and then its result ({ result }).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { installFastCpuKernels } from '../src/backends/cpuKernels';
import { backendThreads } from '../src/backends/setup';
import { startWasm } from '../src/worker/backend';
import { benchCurrentBackend, SETUPS } from './benchSteps';
import type { BenchPageResult } from './benchPage';

const log = (line: string): void => postMessage({ log: line });

class Unavailable extends Error {}

/**
 * The GPU behind tfjs' WebGL context: the unmasked renderer (ANGLE's words name the driver, e.g.
 * SwiftShader or the GPU), else the plain one; null when there is no context to ask.
 */
function webglRenderer(): string | null {
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
  if (!gl) return null;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

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
    if (!(await startWasm(threads))) throw new Unavailable('the wasm backend did not start');
  } else if (!(await tf.setBackend(name))) throw new Unavailable(`tf.setBackend('${name}') returned false`);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Unavailable(`tfjs is on ${tf.getBackend()}, not ${name}`);
  return adapter;
}

async function main(search: string): Promise<BenchPageResult> {
  const query = new URLSearchParams(search);
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
  const renderer = backend === 'webgl' ? webglRenderer() : null;
  log(`${backend}${adapter ? ` (${adapter})` : ''}${renderer ? ` (${renderer})` : ''}, ${backendThreads()} thread(s): ${setup.label}`);
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
  return { ok: true, result, userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency, crossOriginIsolated: isolated, threads: backendThreads(), adapter, renderer };
}

function currentBackend(): string {
  try {
    return tf.getBackend() ?? '?';
  } catch {
    return '?';
  }
}

self.addEventListener(
  'message',
  (event: MessageEvent<{ search: string }>) => {
    main(event.data.search)
      .catch((error): BenchPageResult => ({ ok: false, backend: currentBackend(), unavailable: false, message: String(error?.stack ?? error) }))
      .then((result) => postMessage({ result }));
  },
  { once: true },
);
