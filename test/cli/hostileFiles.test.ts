// Hostile files given to the CLI: bombs refused within a stated memory bound (measured in the
// child process itself), devices, pipes, link loops and unreadable names refused by name before
// anything is read, and images too small for the student refused before any step.
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { readDatasetPath } from '../../src/cli/datasetFile';
import { runCli } from '../../src/cli/run';
import { concat, crc32, deflatedZeros, simplePng, zipOfEntries } from '../data/files/corpus';
import { ROOT } from './cliKit';

const MB = 1024 ** 2;
/** What a refused bomb may cost the whole CLI process (Node, tsx and tfjs take about 160 MB before reading anything). */
const PEAK_RSS_BOUND_MB = 512;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'distillation-lab-hostile-'));
  // 200 entries, each an 8×8 PNG followed by 20 MiB of zeros: 4 GB from 4 MB (one deflated stream, reused).
  const png = simplePng(8, 8, 1, (x, y) => x * y);
  const body = concat([png, new Uint8Array(20 * MB)]);
  const data = new Uint8Array(await new Response(new Blob([body as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer());
  const crc = crc32(body);
  const entries = Array.from({ length: 200 }, (_, i) => ({ path: `bomb/${i % 2 ? 'a' : 'b'}/${i}.png`, method: 8 as const, data, size: body.length, crc }));
  await writeFile(path.join(dir, 'bomb_many.zip'), zipOfEntries(entries));
  // 200 MB of zeros in 200 kB of gzip.
  await writeFile(path.join(dir, 'bomb.csv.gz'), (await deflatedZeros(200 * MB, 'gzip')).data);
  // 1×1 images: one pixel column.
  await writeFile(path.join(dir, 'dots.csv'), Array.from({ length: 90 }, (_, i) => `${i % 3},${(i % 3) * 100}`).join('\n'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The CLI as a user runs it, with its own peak resident memory reported by the child itself. */
function cliWithPeak(args: string[]): Promise<{ code: number; stderr: string; peakMb: number }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', '--import', './test/cli/peakRss.ts', 'src/cli/main.ts', ...args], { cwd: ROOT, timeout: 120_000 }, (error, _stdout, stderr) => {
      const peak = /peak-rss-kb (\d+)\n$/.exec(stderr);
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stderr: stderr.replace(/peak-rss-kb \d+\n$/, ''), peakMb: peak ? Number(peak[1]) / 1024 : Infinity });
    });
  });
}

const NONE = ['--method', 'none', '--epochs', '1', '--quiet', '--backend', 'cpu'];

describe('bombs and devices given to the CLI', () => {
  it(`refuses a 4 GB zip bomb, a 200 MB gzip bomb and /dev/zero with one line each, within ${PEAK_RSS_BOUND_MB} MB`, async () => {
    const cases: [string, string][] = [
      [path.join(dir, 'bomb_many.zip'), 'error: bomb_many.zip: decompresses to 4,001 MB, more than the 1,024 MB the lab reads from one file or archive\n'],
      [path.join(dir, 'bomb.csv.gz'), 'error: bomb.csv.gz: expands more than 50 times its compressed size (past 8 MB): a compression bomb or no dataset — dataset files expand a few times at most\n'],
      ['/dev/zero', 'error: --dataset-file /dev/zero: a character device, not a file or folder; the lab reads regular files only\n'],
    ];
    for (const [file, message] of cases) {
      const outcome = await cliWithPeak(['--dataset-file', file, ...NONE]);
      expect(outcome.code, file).toBe(1);
      expect(outcome.stderr, file).toBe(message);
      expect(outcome.peakMb, file).toBeLessThan(PEAK_RSS_BOUND_MB);
    }
  });

  it('refuses a pipe, a link loop, a dangling link and a name that is not UTF-8 inside a folder, by name', async () => {
    const folder = async (name: string) => {
      const at = path.join(dir, name);
      await mkdir(path.join(at, 'a'), { recursive: true });
      await writeFile(path.join(at, 'a', '1.png'), simplePng(4, 4, 1, () => 9));
      return at;
    };
    const piped = await folder('piped');
    execFileSync('mkfifo', [path.join(piped, 'a', 'pipe')]);
    await expect(readDatasetPath(piped, undefined)).rejects.toThrow(`${piped}/a/pipe: a named pipe (FIFO), not a file or folder; the lab reads regular files only`);
    const looped = await folder('looped');
    await symlink('loop', path.join(looped, 'loop'));
    await expect(readDatasetPath(looped, undefined)).rejects.toThrow(`${looped}/loop: a symbolic link that leads back to itself (a loop); remove it or point it at a file`);
    const dangling = await folder('dangling');
    await symlink(path.join(dir, 'nothing-here'), path.join(dangling, 'a', 'gone.png'));
    await expect(readDatasetPath(dangling, undefined)).rejects.toThrow(`${dangling}/a/gone.png: a symbolic link to nothing (its target does not exist)`);
    const latin1 = await folder('latin1');
    await mkdir(Buffer.concat([Buffer.from(`${latin1}/caf`), Buffer.from([0xe9])]));
    await expect(readDatasetPath(latin1, undefined)).rejects.toThrow(`${latin1}/caf\uFFFD: the name is not valid UTF-8 (shown with �); rename it`);
  });

  it('refuses 1×1 images for a convolutional student before any step, naming the minimum; the MLP trains on them', async () => {
    const file = path.join(dir, 'dots.csv');
    await expect(runCli(parseArgs(['--dataset-file', file, ...NONE]), [])).rejects.toThrow('dots: the images are 1×1 pixels; Tiny CNN halves them once with max-pooling and needs at least 2×2');
    const { result } = await runCli(parseArgs(['--dataset-file', file, '--student', 'mlp', ...NONE]), []);
    expect(result.status).toBe('done');
  });
});
