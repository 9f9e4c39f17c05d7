// `npm run bench`: samples/s of a student-only step, a KD step with the live teacher and a KD step
// with the cached teacher logits, on tfjs cpu in Node and on cpu, webgl and webgpu in Chromium.
// Every number times the real training step (src/train/trainStep.ts, what runExperiment runs).
//
//   npm run bench -- [--backends node-cpu,node-wasm,cpu,wasm,webgl,webgpu] [--setups mnist,digits] [--warmup 2]
//                    [--steps 2] [--min-rounds 3] [--max-rounds 15] [--budget 60] [--out bench-results/bench.json]
// --budget: seconds of timed rounds per backend after the warm-up (slow backends get fewer rounds).
// --wasm-threads: the wasm backends (Node and Chromium) run once per thread count (default 1 and one
// per core; threads in Chromium need the cross-origin-isolated page the dev server gives). Every row
// says the threads it ran on.
// --pytorch-threads: the PyTorch peer (scripts/bench_torch.py) runs once per thread count (default 1, 2
// and one per core); the fastest of them, variant by variant, is the reference of the "vs PyTorch"
// table. --no-pytorch skips it.
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
import { benchCurrentBackend, SETUPS, type BackendBench, type Variant } from './benchSteps';
import type { BenchPageResult } from './benchPage';
import { CHROMIUM_PATH, launchChromium, PROJECT_ROOT, startDevServer } from '../test/e2e/chromium';

/** A cached KD step may cost at most this many student-only steps (issue 2, point 12). */
const TARGET_CACHED_RATIO = 1.15;
const BROWSER_BACKENDS = ['cpu', 'wasm', 'webgl', 'webgpu'];
const ALL_BACKENDS = ['node-cpu', 'node-wasm', ...BROWSER_BACKENDS];

interface Row {
  backend: string;
  setup: string;
  /** Threads the backend computed on (wasm's XNNPACK pool; 1 for cpu, and webgl/webgpu's JavaScript side). */
  threads: number;
  result: BackendBench | null;
  skipped?: string;
}

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
  return 'npm run bench -- [--backends node-cpu,node-wasm,cpu,wasm,webgl,webgpu] [--setups mnist,digits] [--warmup 2] [--steps 2] [--min-rounds 3] [--max-rounds 15] [--budget 60] [--out FILE] [--wasm-threads 1,2] [--pytorch-threads 1,2] [--no-pytorch]';
}

const log = (line: string) => process.stderr.write(`${line}\n`);

const PYTHON = '/usr/bin/python3';

/** scripts/bench_torch.py's output: the same three variants on the same nets in PyTorch. */
interface PyTorchBench {
  backend: string;
  setup: string;
  torch: string;
  threads: number;
  timings: Record<'studentOnly' | 'kdLive' | 'kdCached', { samplesPerSecond: number; msPerStep: number; samplesPerCpuSecond: number }>;
}

/** Why the PyTorch peer cannot run here, or null when `import torch` works. */
function pytorchMissing(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} not found`;
  return probe.status === 0 ? null : `${PYTHON} -c "import torch" failed (apt-get install python3-torch)`;
}

function benchPyTorch(setupId: string, threads: number): PyTorchBench {
  const script = path.join(PROJECT_ROOT, 'scripts', 'bench_torch.py');
  const run = spawnSync(PYTHON, [script, '--setup', setupId, '--threads', String(threads)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`bench_torch.py failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as PyTorchBench;
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
  adapter: string | null;
}

async function benchBrowser(wanted: string[]): Promise<{ rows: Row[]; info: BrowserInfo | null }> {
  const rows: Row[] = [];
  const info: BrowserInfo = { userAgent: '', hardwareConcurrency: 0, crossOriginIsolated: false, adapter: null };
  const server = await startDevServer();
  const browser = await launchChromium();
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
          rows.push({ backend: `chromium-${backend}`, setup, threads: outcome.threads, result: outcome.result });
          info.userAgent = outcome.userAgent;
          info.hardwareConcurrency = outcome.hardwareConcurrency;
          info.crossOriginIsolated = outcome.crossOriginIsolated;
          info.adapter = outcome.adapter ?? info.adapter;
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

function table(rows: Row[]): string {
  const header = [
    'backend',
    'threads',
    'setup',
    'student-only',
    'kd-live',
    'kd-cached',
    'cached/student (IQR)',
    'live/student',
    'KD term alone',
    'rounds',
    `cached ≤ ${TARGET_CACHED_RATIO}×`,
  ];
  const lines = rows.map((row) => {
    if (!row.result) return [row.backend, String(row.threads), row.setup, '—', '—', '—', '—', '—', '—', '—', `skipped: ${row.skipped}`];
    const r = row.result;
    const sps = (v: 'studentOnly' | 'kdLive' | 'kdCached') => `${r.timings[v].samplesPerSecond.toFixed(1)}/s`;
    const [q1, q3] = r.cachedRatioQuartiles;
    return [
      row.backend,
      String(row.threads),
      row.setup,
      sps('studentOnly'),
      sps('kdLive'),
      sps('kdCached'),
      `${r.cachedOverStudentOnly.toFixed(2)}× (${q1.toFixed(2)}–${q3.toFixed(2)})`,
      `${r.liveOverStudentOnly.toFixed(2)}×`,
      `${r.kdExtraMsPerStep.toFixed(1)} ms → ${r.predictedCachedOverStudentOnly.toFixed(3)}×`,
      String(r.rounds),
      r.cachedOverStudentOnly <= TARGET_CACHED_RATIO ? 'yes' : 'NO',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)].join('\n');
}

/** The reference for a setup and variant: the PyTorch run (of every thread count) with the most samples/s. */
function fastestPeer(runs: PyTorchBench[], setup: string, variant: Variant): PyTorchBench | null {
  const forSetup = runs.filter((r) => r.setup === setup);
  if (forSetup.length === 0) return null;
  return forSetup.reduce((best, r) => (r.timings[variant].samplesPerSecond > best.timings[variant].samplesPerSecond ? r : best));
}

/** Every backend's samples/s and its ratio to PyTorch's, per variant. */
function peerTable(rows: Row[], runs: PyTorchBench[]): string {
  const header = ['backend', 'threads', 'setup', 'student-only', 'kd-live', 'kd-cached'];
  const lines: string[][] = [];
  for (const run of runs) {
    // * marks the reference: the fastest thread count of that variant.
    const sps = (v: Variant) =>
      `${run.timings[v].samplesPerSecond.toFixed(0)}/s (cpu ${run.timings[v].samplesPerCpuSecond.toFixed(0)})${runs.length > 1 && fastestPeer(runs, run.setup, v) === run ? ' *' : ''}`;
    lines.push(['pytorch', String(run.threads), run.setup, sps('studentOnly'), sps('kdLive'), sps('kdCached')]);
  }
  for (const row of rows) {
    if (!row.result || !fastestPeer(runs, row.setup, 'studentOnly')) continue;
    const r = row.result;
    const cell = (v: Variant) => {
      const ours = r.timings[v].samplesPerSecond;
      const peer = fastestPeer(runs, row.setup, v)!;
      const wall = `${ours.toFixed(0)}/s = 1/${(peer.timings[v].samplesPerSecond / ours).toFixed(1)}`;
      const cpu = r.timings[v].samplesPerCpuSecond;
      const oneThread = runs.find((run) => run.setup === row.setup && run.threads === 1);
      return cpu && oneThread ? `${wall} (cpu ${cpu.toFixed(0)} = 1/${(oneThread.timings[v].samplesPerCpuSecond / cpu).toFixed(1)})` : wall;
    };
    lines.push([row.backend, String(row.threads), row.setup, cell('studentOnly'), cell('kdLive'), cell('kdCached')]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)].join('\n');
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
      'ratios are the median of every round\'s own ratio (variants of a round run back to back, so machine load mostly cancels).',
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      totalMemoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
      loadAverage: os.loadavg(),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
      chromium: backends.some((b) => !b.startsWith('node-')) ? chromiumVersion() : null,
      browser: browserInfo,
    },
    tfjsVersion: tf.version_core,
    settings: { ...roundOptions, wasmThreads, setups: setups.map((id) => SETUPS[id]) },
    target: {
      maxCachedOverStudentOnly: TARGET_CACHED_RATIO,
      metOn: measured.filter((r) => r.result!.cachedOverStudentOnly <= TARGET_CACHED_RATIO).map((r) => `${r.backend}/${r.setup}`),
      missedOn: measured.filter((r) => r.result!.cachedOverStudentOnly > TARGET_CACHED_RATIO).map((r) => `${r.backend}/${r.setup}`),
    },
    results: rows,
    pytorch: { skipped: pytorchSkipped, runs: pytorch },
    seconds: (Date.now() - started) / 1000,
  };
  const out = path.resolve(PROJECT_ROOT, flags.out);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `\nsamples/s of one training step (batch ${rows[0]?.result?.batchSize ?? '?'}, median of rounds of ${steps} steps); ` +
      `ratios: step time over the student-only step, median of per-round ratios (interquartile range);\n` +
      `KD term alone: the work a cached KD step adds (gather of cached logits, KD loss, its gradient), timed alone, and the ratio it predicts\n`,
  );
  process.stdout.write(`${table(rows)}\n\n`);
  if (pytorch.length > 0) {
    process.stdout.write(
      `vs PyTorch on the same machine, same nets, batch and variants (scripts/bench_torch.py; the fastest of its thread counts, variant by variant (*), is the reference, 1/x = x times slower;\n` +
        `(cpu N): samples per CPU-second, compared with single-threaded PyTorch: the fair ratio when other work shares the machine):\n`,
    );
    process.stdout.write(`${peerTable(rows, pytorch)}\n\n`);
  } else process.stdout.write(`PyTorch peer skipped: ${pytorchSkipped}\n\n`);
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
