// --dataset-file: the CLI trains on a user's files of each format exactly as on a shipped dataset
// (a 1-epoch method-none run on tiny generated files), and a bad file ends the run before
// training with exit code 1 and one line naming the file (the CLI's entry run in this process).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { runCli } from '../../src/cli/run';
import { cliInProcess, refusal } from './cliKit';
import { cifar10Archive, cifarBytes, gzip, idxBytes, simplePng, zipBytes } from '../data/files/corpus';

let dir: string;
const paths = { cifar: '', idx: '', folder: '', zip: '', csv: '', bad: '' };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'distillation-lab-own-data-'));
  paths.cifar = path.join(dir, 'cifar-10-binary.tar.gz');
  await writeFile(paths.cifar, await cifar10Archive(12, 20));
  // IDX: a folder of gzipped MNIST-style files, 4×4 images whose class is their brightness.
  paths.idx = path.join(dir, 'tiny-mnist');
  await mkdir(paths.idx);
  const idxSet = (n: number) => ({
    images: idxBytes([n, 4, 4], Array.from({ length: n * 16 }, (_, i) => (Math.floor(i / 16) % 2) * 200 + (i % 7))),
    labels: idxBytes([n], Array.from({ length: n }, (_, i) => i % 2)),
  });
  const train = idxSet(80);
  const test = idxSet(20);
  await writeFile(path.join(paths.idx, 'train-images-idx3-ubyte.gz'), await gzip(train.images));
  await writeFile(path.join(paths.idx, 'train-labels-idx1-ubyte.gz'), await gzip(train.labels));
  await writeFile(path.join(paths.idx, 't10k-images-idx3-ubyte.gz'), await gzip(test.images));
  await writeFile(path.join(paths.idx, 't10k-labels-idx1-ubyte.gz'), await gzip(test.labels));
  // An image folder on disk and as a zip: 3 classes of 8×8 PNGs.
  paths.folder = path.join(dir, 'shapes');
  const files: { path: string; bytes: Uint8Array }[] = [];
  for (const [c, name] of ['circle', 'square', 'star'].entries()) {
    await mkdir(path.join(paths.folder, name), { recursive: true });
    for (let i = 0; i < 10; i++) {
      const bytes = simplePng(8, 8, 1, (x, y) => (c * 90 + x * y + i) & 255);
      files.push({ path: `${name}/${i}.png`, bytes });
      await writeFile(path.join(paths.folder, name, `${i}.png`), bytes);
    }
  }
  // The same images zipped in reverse order: the reader sorts by path, so the run must not change.
  paths.zip = path.join(dir, 'shapes.zip');
  await writeFile(paths.zip, await zipBytes([...files].reverse(), { deflate: true }));
  paths.csv = path.join(dir, 'digits-csv.csv');
  const rows = Array.from({ length: 60 }, (_, r) => [r % 3, ...Array.from({ length: 16 }, (_, j) => ((r % 3) * 80 + j) % 256)].join(','));
  await writeFile(paths.csv, `label,${Array.from({ length: 16 }, (_, j) => `pixel${j}`).join(',')}\n${rows.join('\n')}\n`);
  paths.bad = path.join(dir, 'data_batch_1.bin');
  await writeFile(paths.bad, cifarBytes(3, 10).subarray(0, 3073 * 3 - 1));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const QUICK = ['--method', 'none', '--student', 'mlp', '--epochs', '1', '--batch-size', '8', '--eval-every', '100000', '--quiet', '--backend', 'cpu'];

describe('--dataset-file flags', () => {
  it('names the run after the file and refuses what cannot go with it', () => {
    expect(parseArgs(['--dataset-file', '/data/cifar-10-binary.tar.gz', ...QUICK]).config.dataset).toBe('upload:cifar-10-binary');
    expect(parseArgs(['--dataset-file', 'x.zip', '--dataset-format', 'folder', ...QUICK]).datasetFormat).toBe('folder');
    expect(refusal(['--dataset-file', 'x.zip', '--dataset-format', 'png'])).toBe('--dataset-format must be cifar, idx, folder, csv, got "png"');
    expect(refusal(['--dataset-format', 'csv'])).toBe('--dataset-format is for --dataset-file');
    expect(parseArgs(['--dataset-file', 'x.zip', '--image-size', '28x20', ...QUICK]).imageSize).toEqual([28, 20]);
    expect(parseArgs(['--dataset-file', 'x.zip', '--image-size', '32', ...QUICK]).imageSize).toEqual([32, 32]);
    expect(refusal(['--dataset-file', 'x.zip', '--image-size', '3'])).toBe('--image-size: an image size is N or HxW with sides from 4 to 128 (e.g. 32 or 28x28), got "3"');
    expect(refusal(['--dataset-file', 'x.zip', '--image-size', 'big'])).toBe('--image-size: an image size is N or HxW with sides from 4 to 128 (e.g. 32 or 28x28), got "big"');
    expect(refusal(['--image-size', '32'])).toBe('--image-size is for --dataset-file (an image folder or .zip)');
    expect(refusal(['--dataset', 'mnist', '--dataset-file', 'x.zip'])).toBe('--dataset and --dataset-file both name the data: give one');
    expect(refusal(['--dataset-file', 'x.zip', '--method', 'kd'])).toBe('--dataset-file: method "kd" needs a teacher trained on this data: give --teacher DIR (a folder with model.json), or --method none');
    expect(parseArgs(['--dataset-file', 'x.zip', '--method', 'kd', '--teacher', './teachers/mine']).teacherPath).toBe('./teachers/mine');
  });
});

describe('the CLI on each format', () => {
  const run = async (file: string, extra: string[] = []) => (await runCli(parseArgs(['--dataset-file', file, ...extra, ...QUICK]), [])).result;

  it('trains one epoch on a CIFAR-10 archive, an IDX folder, an image folder, its zip and a CSV', async () => {
    const cases: [string, string, number][] = [
      [paths.cifar, 'upload:cifar-10-binary', Math.floor(54 / 8)],
      [paths.idx, 'upload:tiny-mnist', Math.floor(72 / 8)],
      [paths.folder, 'upload:shapes', Math.floor(22 / 8)],
      [paths.zip, 'upload:shapes', Math.floor(22 / 8)],
      [paths.csv, 'upload:digits-csv', Math.floor(43 / 8)],
    ];
    const results = new Map<string, Awaited<ReturnType<typeof run>>>();
    for (const [file, id, steps] of cases) {
      const result = await run(file);
      results.set(file, result);
      expect(result.status, file).toBe('done');
      expect(result.config.dataset, file).toBe(id);
      // One epoch of the training split (val carved out, test held out): the split sizes are the reader's.
      expect(result.steps, file).toBe(steps);
      expect(result.testAccuracy, file).toBeGreaterThanOrEqual(0);
    }
    // The folder and its zip (stored in another order) are the same files: the same run, to the last bit.
    const [fromFolder, fromZip] = [results.get(paths.folder)!, results.get(paths.zip)!];
    expect(fromZip.history).toEqual(fromFolder.history);
    expect(fromZip.confusion).toEqual(fromFolder.confusion);
    // --image-size resizes the folder's 8×8 grey PNGs: the mlp's first layer reads 12·12 pixels (+ bias), then 32 → 3 classes.
    const resized = await run(paths.folder, ['--image-size', '12']);
    expect(resized.studentParameters).toBe(12 * 12 * 32 + 32 + 32 * 3 + 3);
    expect((await run(paths.folder)).studentParameters).toBe(8 * 8 * 32 + 32 + 32 * 3 + 3);
    // A forced format that the file is not is refused by the reader.
    await expect(run(paths.csv, ['--dataset-format', 'idx'])).rejects.toThrow(/digits-csv\.csv: /);
    await expect(run(paths.folder, ['--omit-classes', '5'])).rejects.toThrow('--omit-classes: shapes has no class 5 (its classes are 0–2)');
  });

  it('as a user runs it: the split sizes in the log; a damaged file is one line and exit code 1', async () => {
    const ok = await cliInProcess(['--dataset-file', paths.idx, ...QUICK.filter((flag) => flag !== '--quiet')]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('tiny-mnist: 72 train / 8 val / 20 test, backend cpu');
    const bad = await cliInProcess(['--dataset-file', paths.bad, ...QUICK]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'error: data_batch_1.bin: 9,218 bytes is not a whole number of CIFAR-10 records (3,073 bytes each: 1 label byte + 3,072 pixel bytes); the file is truncated or not CIFAR-10 binary\n',
    );
  });
});
