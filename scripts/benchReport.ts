// The report of `npm run bench` (scripts/bench.ts): its rows, the two tables it prints, how each
// row's PyTorch reference is chosen, and the machine's GPU as nvidia-smi lists it. Pure (no tfjs,
// no processes), so test/scripts/benchReport.test.ts checks it without a browser or a GPU.
import type { BackendBench, Variant } from './benchSteps';
import { isSoftwareAdapter } from '../src/worker/softwareAdapter';

/** A cached KD step may cost at most this many student-only steps (issue 2, point 12). */
export const TARGET_CACHED_RATIO = 1.15;

/** How a row timed on a software adapter is marked: its numbers are a CPU's, not a GPU's. */
export const SOFTWARE_ADAPTER_NOTE = 'software adapter: not a GPU figure';

export interface Row {
  backend: string;
  setup: string;
  /** Threads the backend computed on (wasm's XNNPACK pool; 1 for cpu, and webgl/webgpu's JavaScript side). */
  threads: number;
  result: BackendBench | null;
  skipped?: string;
  /** chromium-webgpu: the adapter the page got; chromium-webgl: its WebGL renderer; absent on other rows. */
  adapter?: string | null;
  /** Whether that adapter is a software one (src/worker/softwareAdapter.ts); null when it has no words. */
  softwareAdapter?: boolean | null;
}

/** scripts/bench_torch.py's evaluation: the student's no_grad forward and argmax, batches of 256. */
export interface PyTorchEvaluation {
  images: number;
  batchSize: number;
  rounds: number;
  imagesPerSecond: number;
  msPerPass: number;
  imagesPerCpuSecond: number;
}

/** scripts/bench_torch.py's output: the same three variants on the same nets in PyTorch. */
export interface PyTorchBench {
  /** 'pytorch-cpu' or 'pytorch-cuda'. */
  backend: string;
  setup: string;
  torch: string;
  /** 'cpu', or the GPU's name (torch.cuda.get_device_name()). */
  device?: string;
  threads: number;
  timings: Record<Variant, { samplesPerSecond: number; msPerStep: number; samplesPerCpuSecond: number }>;
  evaluation: PyTorchEvaluation;
}

/** The GPU rows of the browser: their figures are a GPU's only on a hardware adapter. */
export function isGpuBackend(backend: string): boolean {
  return backend === 'chromium-webgl' || backend === 'chromium-webgpu';
}

/** A browser row's adapter fields: the adapter (or renderer) and whether it is a software one. */
export function adapterFields(backend: string, adapter: string | null): Pick<Row, 'adapter' | 'softwareAdapter'> {
  if (!isGpuBackend(backend)) return {};
  return { adapter, softwareAdapter: adapter ? isSoftwareAdapter(adapter) : null };
}

/** One GPU as `nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader` lists it. */
export interface NvidiaGpu {
  name: string;
  driverVersion: string;
  memoryTotal: string;
}

/** The GPUs of nvidia-smi's CSV (one a line: name, driver version, total memory). */
export function parseNvidiaSmi(csv: string): NvidiaGpu[] {
  return csv
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [name = '', driverVersion = '', memoryTotal = ''] = line.split(',').map((cell) => cell.trim());
      return { name, driverVersion, memoryTotal };
    });
}

type Rate = (run: PyTorchBench) => number;
const variantRate =
  (variant: Variant): Rate =>
  (run) =>
    run.timings[variant].samplesPerSecond;
const evaluationRate: Rate = (run) => run.evaluation.imagesPerSecond;

/** The reference for a setup and a rate: the PyTorch run (of every thread count) with the highest. */
export function fastestPeer(runs: PyTorchBench[], setup: string, rate: Rate): PyTorchBench | null {
  const forSetup = runs.filter((r) => r.setup === setup);
  if (forSetup.length === 0) return null;
  return forSetup.reduce((best, r) => (rate(r) > rate(best) ? r : best));
}

/**
 * The PyTorch runs a row is compared with: PyTorch on CUDA for the GPU rows (webgl, webgpu) where
 * it ran for that setup, else PyTorch on the CPU.
 */
export function referenceRuns(row: Pick<Row, 'backend' | 'setup'>, cpuRuns: PyTorchBench[], cudaRuns: PyTorchBench[]): { runs: PyTorchBench[]; cuda: boolean } {
  const cuda = isGpuBackend(row.backend) && cudaRuns.some((run) => run.setup === row.setup);
  return { runs: cuda ? cudaRuns : cpuRuns, cuda };
}

function formatTable(header: string[], lines: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)].join('\n');
}

/** A note column, only where some row has a note. */
function withNotes(header: string[], lines: string[][], notes: string[]): string {
  if (notes.every((note) => !note)) return formatTable(header, lines);
  return formatTable([...header, 'note'], lines.map((line, i) => [...line, notes[i]]));
}

const rowNote = (row: Row): string => (row.softwareAdapter ? SOFTWARE_ADAPTER_NOTE : '');

/** The tfjs rows: samples/s of each variant, the student's evaluation, and the step-time ratios. */
export function table(rows: Row[]): string {
  const header = [
    'backend',
    'threads',
    'setup',
    'student-only',
    'kd-live',
    'kd-cached',
    'evaluation',
    'cached/student (IQR)',
    'live/student',
    'KD term alone',
    'rounds',
    `cached ≤ ${TARGET_CACHED_RATIO}×`,
  ];
  const lines = rows.map((row) => {
    if (!row.result) return [row.backend, String(row.threads), row.setup, '—', '—', '—', '—', '—', '—', '—', '—', `skipped: ${row.skipped}`];
    const r = row.result;
    const sps = (v: Variant) => `${r.timings[v].samplesPerSecond.toFixed(1)}/s`;
    const [q1, q3] = r.cachedRatioQuartiles;
    return [
      row.backend,
      String(row.threads),
      row.setup,
      sps('studentOnly'),
      sps('kdLive'),
      sps('kdCached'),
      `${r.evaluation.imagesPerSecond.toFixed(0)}/s`,
      `${r.cachedOverStudentOnly.toFixed(2)}× (${q1.toFixed(2)}–${q3.toFixed(2)})`,
      `${r.liveOverStudentOnly.toFixed(2)}×`,
      `${r.kdExtraMsPerStep.toFixed(1)} ms → ${r.predictedCachedOverStudentOnly.toFixed(3)}×`,
      String(r.rounds),
      r.cachedOverStudentOnly <= TARGET_CACHED_RATIO ? 'yes' : 'NO',
    ];
  });
  return withNotes(header, lines, rows.map(rowNote));
}

/** A PyTorch run's line: its rates, * on the fastest of the CPU runs (variant by variant). */
function peerLine(run: PyTorchBench, runs: PyTorchBench[]): string[] {
  const cuda = run.backend === 'pytorch-cuda';
  const star = (rate: Rate) => (!cuda && runs.length > 1 && fastestPeer(runs, run.setup, rate) === run ? ' *' : '');
  const sps = (v: Variant) => (cuda ? `${run.timings[v].samplesPerSecond.toFixed(0)}/s` : `${run.timings[v].samplesPerSecond.toFixed(0)}/s (cpu ${run.timings[v].samplesPerCpuSecond.toFixed(0)})${star(variantRate(v))}`);
  const evaluation = cuda ? `${run.evaluation.imagesPerSecond.toFixed(0)}/s` : `${run.evaluation.imagesPerSecond.toFixed(0)}/s (cpu ${run.evaluation.imagesPerCpuSecond.toFixed(0)})${star(evaluationRate)}`;
  return [cuda ? 'pytorch-cuda' : 'pytorch', cuda ? 'gpu' : String(run.threads), run.setup, sps('studentOnly'), sps('kdLive'), sps('kdCached'), evaluation];
}

/** A tfjs row's cells: its rate as a fraction of the reference's, and per CPU-second against single-threaded PyTorch. */
function rowCells(row: Row & { result: BackendBench }, reference: { runs: PyTorchBench[]; cuda: boolean }): string[] {
  const oneThread = reference.cuda ? undefined : reference.runs.find((run) => run.setup === row.setup && run.threads === 1);
  const cell = (ours: number, rate: Rate, cpu: number | undefined, oneThreadCpu: number | undefined) => {
    const peer = fastestPeer(reference.runs, row.setup, rate)!;
    const wall = `${ours.toFixed(0)}/s = 1/${(rate(peer) / ours).toFixed(1)}`;
    return cpu && oneThreadCpu ? `${wall} (cpu ${cpu.toFixed(0)} = 1/${(oneThreadCpu / cpu).toFixed(1)})` : wall;
  };
  const r = row.result;
  const variant = (v: Variant) => cell(r.timings[v].samplesPerSecond, variantRate(v), r.timings[v].samplesPerCpuSecond, oneThread?.timings[v].samplesPerCpuSecond);
  const evaluation = cell(r.evaluation.imagesPerSecond, evaluationRate, r.evaluation.imagesPerCpuSecond, oneThread?.evaluation.imagesPerCpuSecond);
  return [row.backend, String(row.threads), row.setup, variant('studentOnly'), variant('kdLive'), variant('kdCached'), evaluation];
}

/** Every backend's rates and their ratio to PyTorch's (on CUDA for the GPU rows where it ran), per variant and for evaluation. */
export function peerTable(rows: Row[], cpuRuns: PyTorchBench[], cudaRuns: PyTorchBench[] = []): string {
  const header = ['backend', 'threads', 'setup', 'student-only', 'kd-live', 'kd-cached', 'evaluation'];
  const lines = [...cpuRuns, ...cudaRuns].map((run) => peerLine(run, cpuRuns));
  const notes = lines.map(() => '');
  for (const row of rows) {
    if (!row.result) continue;
    const reference = referenceRuns(row, cpuRuns, cudaRuns);
    if (!fastestPeer(reference.runs, row.setup, variantRate('studentOnly'))) continue;
    lines.push(rowCells(row as Row & { result: BackendBench }, reference));
    notes.push([reference.cuda ? 'vs pytorch-cuda' : '', rowNote(row)].filter(Boolean).join('; '));
  }
  return withNotes(header, lines, notes);
}
