// The benchmark in Chromium: /bench.html?backend=cpu|wasm|webgl|webgpu&setup=mnist&warmup=2&steps=2&minRounds=3&maxRounds=15&budget=60&threads=2
// (threads: wasm's, where the page is cross-origin isolated; default one per core). The steps run
// in a module worker, as the lab's training does (scripts/benchWorker.ts); the page shows its log
// and leaves the result in window.__bench for scripts/bench.ts to collect.
import type { BackendBench } from './benchSteps';

export type BenchPageResult =
  | {
      ok: true;
      result: BackendBench;
      userAgent: string;
      hardwareConcurrency: number;
      crossOriginIsolated: boolean;
      threads: number;
      /** webgpu: the adapter's vendor, architecture, device and description; else null. */
      adapter: string | null;
      /** webgl: the renderer tfjs' WebGL context reports (unmasked where the browser allows); else null. */
      renderer: string | null;
    }
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

function start(): void {
  const worker = new Worker(new URL('./benchWorker.ts', import.meta.url), { type: 'module' });
  const finish = (result: BenchPageResult) => {
    log(JSON.stringify(result, null, 2));
    window.__bench = result;
    worker.terminate();
  };
  worker.addEventListener('message', (event: MessageEvent<{ log?: string; result?: BenchPageResult }>) => {
    if (event.data.log !== undefined) log(event.data.log);
    if (event.data.result) finish(event.data.result);
  });
  worker.addEventListener('error', (event) => finish({ ok: false, backend: '?', unavailable: false, message: `the benchmark worker failed: ${event.message}` }));
  worker.postMessage({ search: location.search });
}

// Start after the load event, as before the steps moved to a worker.
window.addEventListener('load', () => setTimeout(start, 0), { once: true });
