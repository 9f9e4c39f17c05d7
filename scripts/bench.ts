// `npm run bench`: samples/s of a student-only step, a KD step with the live teacher and a KD step
// with the cached teacher logits, on tfjs cpu in Node and on cpu, webgl and webgpu in Chromium, and
// images/s of the student's evaluation as a run scores it (src/train/evaluate.ts predictClasses).
// Every step number times the real training step (src/train/trainStep.ts, what runExperiment runs).
//
//   npm run bench -- [--backends node-cpu,node-wasm,cpu,wasm,webgl,webgpu] [--setups mnist,digits] [--warmup 2]
//                    [--steps 2] [--min-rounds 3] [--max-rounds 15] [--budget 60] [--out bench-results/bench.json] [--gpu]
// --budget: seconds of timed rounds per backend after the warm-up (slow backends get fewer rounds);
// the evaluation's rounds follow, by the same rule.
// --wasm-threads: the wasm backends (Node and Chromium) run once per thread count (default 1 and one
// per core; threads in Chromium need the cross-origin-isolated page the dev server gives). Every row
// says the threads it ran on.
// --pytorch-threads: the PyTorch peer (scripts/bench_torch.py) runs once per thread count (default 1, 2
// and one per core); the fastest of them, variant by variant, is the reference of the "vs PyTorch"
// table. --no-pytorch skips it.
// --gpu (`npm run gpu:check`): Chromium on the machine's own GPU instead of SwiftShader, and PyTorch
// on CUDA too, the reference of the webgl and webgpu rows; the report names the adapter each GPU row
// got and marks a software one's rows (docs/benchmark.md#gpu-check).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { mkdir, writeFile } from 'node:fs/promises';
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { installFastCpuKernels } from '../src/backends/cpuKernels';
import { wasmThreadsFor } from '../src/backends/wasmThreads';
import { startNodeWasm } from '../src/cli/wasmThreads';
import { benchCurrentBackend, SETUPS } from './benchSteps';
import type { BenchPageResult } from './benchPage';
import { adapterFields, isGpuBackend, parseNvidiaSmi, peerTable, SOFTWARE_ADAPTER_NOTE, table, TARGET_CACHED_RATIO, type NvidiaGpu, type PyTorchBench, type Row } from './benchReport';
import { CHROMIUM_ARGS, CHROMIUM_GPU_ARGS, CHROMIUM_PATH, launchChromium, PROJECT_ROOT, startDevServer } from '../test/e2e/chromium';

const BROWSER_BACKENDS = ['cpu', 'wasm', 'webgl', 'webgpu'];
const ALL_BACKENDS = ['node-cpu', 'node-wasm', ...BROWSER_BACKENDS];

function usage(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

function positiveInteger(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a whole number of at least 1 (got ${value})`);
  return n;
}

const { values: flags } = parseArgs({
  options: {
    backends: { type: 'string', default: ALL_BACKENDS.join(',') },
    setups: { type: 'string', default: 'mnist' },
    warmup: { type: 'string', default: '2' },
    steps: { type: 'string', default: '2' },
    'min-rounds': { type: 'string', default: '3' },
    'max-rounds': { type: 'string', default: '15' },
    budget: { type: 'string', default: '60' },
    out: { type: 'string', default: 'bench-results/bench.json' },
    'pytorch-threads': { type: 'string', default: [...new Set([1, 2, os.cpus().length])].join(',') },
    'wasm-threads': { type: 'string', default: [...new Set([1, wasmThreadsFor(os.cpus().length)])].join(',') },
    'no-pytorch': { type: 'boolean', default: false },
    gpu: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`${readUsage()}\n`);
  process.exit(0);
}
const backends = flags.backends.split(',').filter(Boolean);
for (const name of backends) if (!ALL_BACKENDS.includes(name)) usage(`--backends: unknown "${name}" (known: ${ALL_BACKENDS.join(', ')})`);
const setups = flags.setups.split(',').filter(Boolean);
for (const id of setups) if (!SETUPS[id]) usage(`--setups: unknown "${id}" (known: ${Object.keys(SETUPS).join(', ')})`);
const warmup = positiveInteger('warmup', flags.warmup);
const steps = positiveInteger('steps', flags.steps);
const minRounds = positiveInteger('min-rounds', flags['min-rounds']);
const maxRounds = Math.max(minRounds, positiveInteger('max-rounds', flags['max-rounds']));
const budgetSeconds = positiveInteger('budget', flags.budget);
const roundOptions = { warmupSteps: warmup, steps, minRounds, maxRounds, budgetSeconds };
const wasmThreads = [...new Set(flags['wasm-threads'].split(',').filter(Boolean).map((t) => positiveInteger('wasm-threads', t)))];

function readUsage(): string {
  return 'npm run bench -- [--backends node-cpu,node-wasm,cpu,wasm,webgl,webgpu] [--setups mnist,digits] [--warmup 2] [--steps 2] [--min-rounds 3] [--max-rounds 15] [--budget 60] [--out FILE] [--wasm-threads 1,2] [--pytorch-threads 1,2] [--no-pytorch] [--gpu]\n' +
    '  --gpu: Chromium on the machine\'s GPU (not SwiftShader) and PyTorch on CUDA as well (the webgl/webgpu rows\' reference); ' +
    'the report names each GPU row\'s adapter and marks a software one. npm run gpu:check runs it on webgpu, webgl and wasm.';
}

const log = (line: string) => process.stderr.write(`${line}\n`);

const PYTHON = '/usr/bin/python3';

/** Why the PyTorch peer cannot run here, or null when `import torch` works. */
function pytorchMissing(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} not found`;
  return probe.status === 0 ? null : `${PYTHON} -c "import torch" failed (apt-get install python3-torch)`;
}

/** scripts/bench_torch.py on `device` (threads 0: PyTorch's default). */
function benchPyTorch(setupId: string, threads: number, device: 'cpu' | 'cuda' = 'cpu'): PyTorchBench {
  const script = path.join(PROJECT_ROOT, 'scripts', 'bench_torch.py');
  const run = spawnSync(PYTHON, [script, '--setup', setupId, '--threads', String(threads), '--device', device], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`bench_torch.py failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as PyTorchBench;
}

/** PyTorch on CUDA for every setup, or why it did not run (bench_torch.py's own last line). */
function benchPyTorchCuda(): { runs: PyTorchBench[]; skipped: string | null } {
  const runs: PyTorchBench[] = [];
  for (const setup of setups) {
    log(`pytorch, ${setup}, cuda`);
    try {
      runs.push(benchPyTorch(setup, 0, 'cuda'));
    } catch (error) {
      const lines = (error instanceof Error ? error.message : String(error)).trim().split('\n');
      const skipped = lines[lines.length - 1].replace(/^bench_torch\.py failed: /, '');
      log(`  PyTorch on CUDA skipped: ${skipped}`);
      return { runs: [], skipped };
    }
  }
  return { runs, skipped: null };
}

/** The machine's NVIDIA GPUs (nvidia-smi), or null where nvidia-smi is missing or fails. */
function nvidiaGpus(): NvidiaGpu[] | null {
  const run = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8' });
  if (run.error) return null;
  if (run.status !== 0) {
    log(`nvidia-smi failed: ${(run.stderr || run.stdout).trim().split('\n')[0]}`);
    return null;
  }
  return parseNvidiaSmi(run.stdout);
}

/** One Node row: tfjs cpu, or wasm (started afresh) on `threads` threads as the CLI runs it. */
async function benchNode(setupId: string, backend: 'cpu' | 'wasm', threads = 1): Promise<Row> {
  tf.env().set('IS_NODE', true);
  let got = 1;
  if (backend === 'wasm') {
    got = await startNodeWasm(threads);
    if (!got) throw new Error('tfjs wasm backend did not start');
  } else if (!(await tf.setBackend(backend))) throw new Error(`tfjs ${backend} backend did not start`);
  if (backend === 'cpu') installFastCpuKernels();
  return { backend: `node-${backend}`, setup: setupId, threads: got, result: await benchCurrentBackend({ setup: SETUPS[setupId], ...roundOptions, log }) };
}

interface BrowserInfo {
  userAgent: string;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  /** webgpu's adapter (the last one the page got). */
  adapter: string | null;
  /** webgl's renderer (the last one the page got). */
  webglRenderer: string | null;
}

async function benchBrowser(wanted: string[]): Promise<{ rows: Row[]; info: BrowserInfo | null }> {
  const rows: Row[] = [];
  const info: BrowserInfo = { userAgent: '', hardwareConcurrency: 0, crossOriginIsolated: false, adapter: null, webglRenderer: null };
  const server = await startDevServer();
  const browser = await launchChromium({ gpu: flags.gpu });
  try {
    for (const setup of setups) {
      for (const { backend, threads } of wanted.flatMap((backend) => (backend === 'wasm' ? wasmThreads : [1]).map((threads) => ({ backend, threads })))) {
        // A fresh page per backend: its own tfjs engine, no data moved between backends.
        const page = await browser.context.newPage();
        page.on('console', (message) => {
          if (message.type() === 'error') log(`  [page ${backend}] ${message.text()}`);
          else if (message.text().startsWith('  ')) log(message.text());
        });
        page.on('pageerror', (error) => log(`  [page ${backend}] uncaught: ${error.message}`));
        page.on('response', (response) => {
          if (response.status() >= 400) log(`  [page ${backend}] HTTP ${response.status()} ${response.url()}`);
        });
        const query = new URLSearchParams({
          backend,
          setup,
          warmup: String(warmup),
          steps: String(steps),
          minRounds: String(minRounds),
          maxRounds: String(maxRounds),
          budget: String(budgetSeconds),
          threads: String(threads),
        });
        log(`chromium ${backend}, ${setup}${backend === 'wasm' ? `, ${threads} thread(s) asked for` : ''}`);
        await page.goto(`${server.url}bench.html?${query}`);
        await page.waitForFunction(() => window.__bench !== undefined, null, { timeout: 0, polling: 1000 });
        const outcome = (await page.evaluate(() => window.__bench)) as BenchPageResult;
        await page.close();
        if (outcome.ok) {
          const adapter = outcome.adapter ?? outcome.renderer ?? null;
          rows.push({ backend: `chromium-${backend}`, setup, threads: outcome.threads, result: outcome.result, ...adapterFields(`chromium-${backend}`, adapter) });
          info.userAgent = outcome.userAgent;
          info.hardwareConcurrency = outcome.hardwareConcurrency;
          info.crossOriginIsolated = outcome.crossOriginIsolated;
          info.adapter = outcome.adapter ?? info.adapter;
          info.webglRenderer = outcome.renderer ?? info.webglRenderer;
        } else if (outcome.unavailable) {
          log(`  chromium-${backend} is not available: ${outcome.message}`);
          rows.push({ backend: `chromium-${backend}`, setup, threads, result: null, skipped: outcome.message });
        } else {
          throw new Error(`chromium-${backend} benchmark failed: ${outcome.message}`);
        }
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return { rows, info: info.userAgent ? info : null };
}

function chromiumVersion(): string | null {
  try {
    return execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Each GPU row's adapter (webgpu) or renderer (webgl), and whether its figures are a GPU's. */
function adapterLines(rows: Row[]): string[] {
  return rows
    .filter((row) => row.adapter !== undefined)
    .map((row) => {
      const verdict = row.softwareAdapter ? SOFTWARE_ADAPTER_NOTE : row.softwareAdapter === false ? 'hardware' : 'unknown: the page reported no words';
      return `${row.backend} (${row.setup}): ${row.adapter ?? '—'} — ${verdict}`;
    });
}

/** --gpu's summary: the GPU nvidia-smi lists, the adapters Chromium gave, and PyTorch on CUDA. */
function gpuSummary(rows: Row[], gpus: NvidiaGpu[] | null, cuda: { runs: PyTorchBench[]; skipped: string | null }): string {
  const skippedGpuRows = rows.filter((row) => !row.result && isGpuBackend(row.backend));
  return [
    'GPU check (--gpu: Chromium launched with hardware-GPU flags, PyTorch on CUDA):',
    `  nvidia-smi: ${gpus ? gpus.map((g) => `${g.name}, driver ${g.driverVersion}, ${g.memoryTotal}`).join('; ') || 'no GPU listed' : 'not available'}`,
    ...adapterLines(rows).map((line) => `  ${line}`),
    ...skippedGpuRows.map((row) => `  ${row.backend} (${row.setup}): not available: ${row.skipped}`),
    `  PyTorch on CUDA: ${cuda.skipped ? `skipped: ${cuda.skipped}` : [...new Set(cuda.runs.map((run) => run.device))].join(', ')}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const rows: Row[] = [];
  const pytorch: PyTorchBench[] = [];
  const pytorchSkipped = flags['no-pytorch'] ? '--no-pytorch' : pytorchMissing();
  if (pytorchSkipped) log(`PyTorch peer skipped: ${pytorchSkipped}`);
  else {
    for (const setup of setups) {
      for (const threads of flags['pytorch-threads'].split(',').map((t) => positiveInteger('pytorch-threads', t))) {
        log(`pytorch, ${setup}, ${threads} thread(s)`);
        pytorch.push(benchPyTorch(setup, threads));
      }
    }
  }
  const cuda = flags.gpu ? (pytorchSkipped ? { runs: [], skipped: pytorchSkipped } : benchPyTorchCuda()) : null;
  for (const backend of ['cpu', 'wasm'] as const) {
    if (!backends.includes(`node-${backend}`)) continue;
    for (const setup of setups) {
      for (const threads of backend === 'wasm' ? wasmThreads : [1]) {
        log(`node ${backend}, ${setup}${backend === 'wasm' ? `, ${threads} thread(s)` : ''}`);
        rows.push(await benchNode(setup, backend, threads));
      }
    }
  }
  const browserBackends = BROWSER_BACKENDS.filter((b) => backends.includes(b));
  let browserInfo: BrowserInfo | null = null;
  if (browserBackends.length > 0) {
    const browser = await benchBrowser(browserBackends);
    rows.push(...browser.rows);
    browserInfo = browser.info;
  }
  const measured = rows.filter((row) => row.result);
  const report = {
    date: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    what:
      'ms per call of src/train/trainStep.ts (the step runExperiment runs), Adam, fixed batch shapes, random data; ' +
      'metrics read back every 25 steps and at the end of every timed block, as runExperiment does. ' +
      'Warm-up steps of every variant first, then rounds of `steps` steps per variant in rotating order ' +
      '(at least min-rounds, more while the per-backend budget lasts); samples/s from the median round; ' +
      'ratios are the median of every round\'s own ratio (variants of a round run back to back, so machine load mostly cancels). ' +
      'evaluation: images/s of predictClasses (src/train/evaluate.ts) on the student over the 1024 random images in batches of 256, ' +
      'one warm-up batch, then one pass a round by the same round rule; images/s from the median round.',
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      totalMemoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
      loadAverage: os.loadavg(),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
      chromium: backends.some((b) => !b.startsWith('node-')) ? chromiumVersion() : null,
      browser: browserInfo,
      chromiumArgs: browserBackends.length > 0 ? [...(flags.gpu ? CHROMIUM_GPU_ARGS : CHROMIUM_ARGS)] : null,
      gpu: nvidiaGpus(),
    },
    tfjsVersion: tf.version_core,
    settings: { ...roundOptions, wasmThreads, gpu: flags.gpu, setups: setups.map((id) => SETUPS[id]) },
    target: {
      maxCachedOverStudentOnly: TARGET_CACHED_RATIO,
      metOn: measured.filter((r) => r.result!.cachedOverStudentOnly <= TARGET_CACHED_RATIO).map((r) => `${r.backend}/${r.setup}`),
      missedOn: measured.filter((r) => r.result!.cachedOverStudentOnly > TARGET_CACHED_RATIO).map((r) => `${r.backend}/${r.setup}`),
    },
    results: rows,
    pytorch: { skipped: pytorchSkipped, runs: pytorch, cuda },
    seconds: (Date.now() - started) / 1000,
  };
  const out = path.resolve(PROJECT_ROOT, flags.out);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `\nsamples/s of one training step (batch ${rows[0]?.result?.batchSize ?? '?'}, median of rounds of ${steps} steps); ` +
      `ratios: step time over the student-only step, median of per-round ratios (interquartile range);\n` +
      `KD term alone: the work a cached KD step adds (gather of cached logits, KD loss, its gradient), timed alone, and the ratio it predicts;\n` +
      `evaluation: images/s of the student's evaluation as a run scores it (predictClasses: batches of 256, argmax, classes read back; median of one-pass rounds)\n`,
  );
  process.stdout.write(`${table(rows)}\n\n`);
  const adapters = adapterLines(rows);
  if (adapters.length > 0 && !cuda) process.stdout.write(`GPU adapters the page got:\n${adapters.map((line) => `  ${line}`).join('\n')}\n\n`);
  if (pytorch.length > 0) {
    process.stdout.write(
      `vs PyTorch on the same machine, same nets, batch and variants (scripts/bench_torch.py; the fastest of its thread counts, variant by variant (*), is the reference, 1/x = x times slower;\n` +
        `(cpu N): samples per CPU-second, compared with single-threaded PyTorch: the fair ratio when other work shares the machine;\n` +
        `evaluation: against PyTorch's no_grad forward and argmax, batches of 256 over the same 1024 images` +
        `${cuda?.runs.length ? ';\nthe webgl and webgpu rows are compared with PyTorch on CUDA (pytorch-cuda)' : ''}):\n`,
    );
    process.stdout.write(`${peerTable(rows, pytorch, cuda?.runs ?? [])}\n\n`);
  } else process.stdout.write(`PyTorch peer skipped: ${pytorchSkipped}\n\n`);
  if (cuda) process.stdout.write(`${gpuSummary(rows, report.machine.gpu, cuda)}\n\n`);
  const met = report.target.missedOn.length === 0;
  process.stdout.write(
    `Target (cached KD step ≤ ${TARGET_CACHED_RATIO}× a student-only step): ` +
      (met ? `met on every measured backend.\n` : `missed on ${report.target.missedOn.join(', ')}.\n`),
  );
  process.stdout.write(`Wrote ${path.relative(process.cwd(), out)} (${report.seconds.toFixed(0)} s; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores).\n`);
}

// An explicit exit: the threaded wasm backend's pthread workers would keep Node running.
main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
