// `npm run demos:numbers`: the classroom demos' numbers over several seeds, with the CLI (the
// same training code as the page), one run at a time. Prints a markdown table (mean ± sample std
// over seeds, and the command of every row) and writes bench-results/demos.json.
//
//   npm run demos:numbers -- [--seeds 5] [--only few-labels|never-seen]
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { RunResult } from '../src/train/runTypes';

const { values: flags } = parseArgs({ options: { seeds: { type: 'string', default: '5' }, only: { type: 'string' } } });
const seeds = Array.from({ length: Number(flags.seeds) }, (_, i) => i + 1);

interface Row {
  demo: string;
  label: string;
  args: string[];
  /** What the row reports: overall test accuracy, or the omitted class's before / after the bias. */
  measure: 'test' | 'omitted';
}

const FEW = ['--dataset', 'digits', '--train-limit', '200', '--epochs', '40', '--eval-every', '100000'];
const OMIT = ['--dataset', 'digits', '--omit-classes', '3', '--epochs', '20', '--eval-every', '100000'];
const ROWS: Row[] = [
  { demo: 'few-labels', label: 'hard labels only (kd_ratio 0)', args: [...FEW, '--method', 'kd', '--temperature', '20', '--kd-ratio', '0'], measure: 'test' },
  { demo: 'few-labels', label: 'half and half (kd_ratio 0.5, T = 20)', args: [...FEW, '--method', 'kd', '--temperature', '20', '--kd-ratio', '0.5'], measure: 'test' },
  { demo: 'few-labels', label: 'soft labels only (kd_ratio 1, T = 20)', args: [...FEW, '--method', 'kd', '--temperature', '20', '--kd-ratio', '1'], measure: 'test' },
  { demo: 'never-seen', label: 'from scratch (method none)', args: [...OMIT, '--method', 'none'], measure: 'omitted' },
  { demo: 'never-seen', label: 'distilled (kd_ratio 1, T = 20)', args: [...OMIT, '--method', 'kd', '--temperature', '20', '--kd-ratio', '1'], measure: 'omitted' },
];

function cli(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: process.cwd(), maxBuffer: 1 << 24 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${args.join(' ')}: ${stderr.trim()}`)) : resolve(),
    );
  });
}

function meanStd(values: number[]): string {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) : 0;
  return `${(mean * 100).toFixed(1)} % ± ${(Math.sqrt(variance) * 100).toFixed(1)}`;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'demo-numbers-'));
  const results: { demo: string; label: string; command: string; runs: { seed: number; result: Pick<RunResult, 'testAccuracy' | 'omitted' | 'seconds'> }[] }[] = [];
  try {
    for (const row of ROWS.filter((r) => !flags.only || r.demo === flags.only)) {
      const runs = [];
      for (const seed of seeds) {
        const file = path.join(dir, 'run.json');
        await cli([...row.args, '--seed', String(seed), '--quiet', '--json', file]);
        const result = JSON.parse(await readFile(file, 'utf8')) as RunResult;
        runs.push({ seed, result: { testAccuracy: result.testAccuracy, omitted: result.omitted, seconds: result.seconds } });
        console.error(`${row.demo} · ${row.label} · seed ${seed}: test ${(result.testAccuracy * 100).toFixed(2)} %, ${result.seconds.toFixed(1)} s`);
      }
      results.push({ demo: row.demo, label: row.label, command: `npm run train -- ${row.args.join(' ')} --seed N`, runs });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`\nSeeds ${seeds.join(', ')}; mean ± sample standard deviation over seeds.\n`);
  console.log('| demo | run | test accuracy | never-seen class | with the bias (chosen on val) | seconds per run |');
  console.log('|---|---|---|---|---|---|');
  for (const { demo, label, runs } of results) {
    const omitted = runs[0].result.omitted ? meanStd(runs.map((r) => r.result.omitted!.omittedTestAccuracy)) : '—';
    const corrected = runs[0].result.omitted ? meanStd(runs.map((r) => r.result.omitted!.omittedTestAccuracyCorrected)) : '—';
    const seconds = runs.reduce((a, r) => a + r.result.seconds, 0) / runs.length;
    console.log(`| ${demo} | ${label} | ${meanStd(runs.map((r) => r.result.testAccuracy))} | ${omitted} | ${corrected} | ${seconds.toFixed(0)} |`);
  }
  console.log('\nCommands:');
  for (const { label, command } of results) console.log(`- ${label}: \`${command}\``);
  // With --only, the other demo's rows of the previous file are kept.
  let kept: typeof results = [];
  if (flags.only) {
    try {
      kept = (JSON.parse(await readFile('bench-results/demos.json', 'utf8')) as { results: typeof results }).results.filter((r) => r.demo !== flags.only);
    } catch {
      kept = [];
    }
  }
  await writeFile('bench-results/demos.json', JSON.stringify({ seeds, measuredAt: new Date().toISOString(), results: [...results, ...kept] }, null, 2));
  console.log('\nwrote bench-results/demos.json');
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
