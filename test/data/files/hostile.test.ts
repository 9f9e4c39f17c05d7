// Files made to hurt: archive and gzip bombs refused by their budget before they cost memory,
// files too large to read, zero-sized images, and the same files in any container and order giving
// the same dataset. Each bomb is built from one small deflated stream, never from its full size.
import { describe, expect, it } from 'vitest';
import { readDatasetFiles } from '../../../src/data/files/read';
import { MAX_COMPRESSION_RATIO, MAX_DECOMPRESSED_BYTES } from '../../../src/data/files/archives';
import { MAX_CSV_BYTES } from '../../../src/data/files/csvFile';
import { DatasetFileError } from '../../../src/data/files/errors';
import { fileFromBytes, type DatasetSource, type DatasetSourceFile } from '../../../src/data/files/source';
import type { Dataset } from '../../../src/data/types';
import { crc32, deflatedZeros, idxBytes, simplePng, sourceOf, zipBytes, zipOfEntries, type PreparedZipEntry } from './corpus';

const MB = 1024 ** 2;

async function refusal(source: DatasetSource): Promise<DatasetFileError> {
  try {
    await readDatasetFiles(source);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetFileError);
    return error as DatasetFileError;
  }
  throw new Error(`${source.name} was accepted`);
}

/** A source file that must never be read: only its size is looked at. */
function unreadable(path: string, size: number): DatasetSourceFile & { reads: number } {
  const file = {
    path,
    size,
    reads: 0,
    bytes: async () => {
      file.reads++;
      throw new Error(`${path} was read`);
    },
  };
  return file;
}

/** Entries whose every read is counted: a bomb must be refused before any is inflated. */
function counting(source: DatasetSource): { source: DatasetSource; reads: () => number } {
  let reads = 0;
  const files = source.files.map((file) => ({ ...file, bytes: async () => (reads++, file.bytes()) }));
  return { source: { ...source, files }, reads: () => reads };
}

describe('archives within budget', () => {
  it('a zip of 200 images each followed by 20 MiB of zeros (4 GB in all from 4 MB) is refused from its directory, before one entry is inflated', async () => {
    const zeros = await deflatedZeros(20 * MB);
    const png = simplePng(8, 8, 1, (x, y) => x * y);
    const entries: PreparedZipEntry[] = Array.from({ length: 200 }, (_, i) => ({
      path: `bomb/${['a', 'b'][i % 2]}/${i}.png`,
      method: 8,
      // A real entry would be the PNG's bytes then the zeros; the directory alone decides here.
      data: zeros.data,
      size: png.length + 20 * MB,
      crc: crc32(png),
    }));
    const zip = zipOfEntries(entries);
    expect(zip.length).toBeLessThan(5 * MB);
    const error = await refusal(sourceOf('bomb_many', { 'bomb_many.zip': zip }));
    expect(error.problem).toBe('too-large');
    expect(error.message).toBe('bomb_many.zip: decompresses to 4,001 MB, more than the 1,024 MB the lab reads from one file or archive');
  });

  it('a zip within the size cap that expands like a bomb is refused by its ratio, as a whole and by one entry', async () => {
    const zeros = await deflatedZeros(20 * MB);
    const many = zipOfEntries(Array.from({ length: 40 }, (_, i) => ({ path: `c${i % 2}/${i}.png`, method: 8 as const, data: zeros.data, size: 20 * MB, crc: zeros.crc })));
    const whole = await refusal(sourceOf('zeros', { 'zeros.zip': many }));
    expect(whole.message).toBe(`zeros.zip: expands more than ${MAX_COMPRESSION_RATIO} times its compressed size (to 800 MB): a compression bomb or no dataset — dataset files expand a few times at most`);
    // 3 MB of incompressible images keep the whole under the ratio; one entry of 100 MB from 100 kB is not.
    const noise = Uint8Array.from({ length: 3 * MB }, (_, i) => (i * 2654435761) >>> 24);
    const hundred = await deflatedZeros(100 * MB);
    const one = zipOfEntries([
      { path: 'a/noise.png', method: 0, data: noise, size: noise.length, crc: crc32(noise) },
      { path: 'b/bomb.png', method: 8, data: hundred.data, size: 100 * MB, crc: hundred.crc },
    ]);
    const entry = await refusal(sourceOf('one', { 'one.zip': one }));
    expect(entry.message).toMatch(/^b\/bomb\.png \(in one\.zip\): expands more than 50 times its compressed size \(to 100 MB\)/);
  });

  it('a gzip bomb is refused by its ratio as it streams, long before the size cap', async () => {
    const zeros = await deflatedZeros(200 * MB, 'gzip');
    let streamed = 0;
    const file: DatasetSourceFile = {
      path: 'zeros.csv.gz',
      size: zeros.data.length,
      bytes: async () => zeros.data,
      slice: async (start, end) => zeros.data.slice(start, end),
      stream: () =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (let at = 0; at < zeros.data.length; at += 4096) controller.enqueue(zeros.data.slice(at, at + 4096));
            controller.close();
          },
        }).pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              streamed += chunk.length;
              controller.enqueue(chunk);
            },
          }),
        ),
    };
    const error = await refusal({ name: 'zeros', files: [file] });
    expect(error.message).toBe('zeros.csv.gz: expands more than 50 times its compressed size (past 8 MB): a compression bomb or no dataset — dataset files expand a few times at most');
    // Refused at 8 MB of output: most of the 200 kB of input was never fed.
    expect(streamed).toBeLessThan(zeros.data.length);
  });

  it('files too large to read are refused by their size, unread: an archive over the budget, a CSV over what a string holds', async () => {
    const tar = unreadable('huge.tar', MAX_DECOMPRESSED_BYTES + 1);
    expect((await refusal({ name: 'huge', files: [tar] })).message).toBe('huge.tar: 1,025 MB, more than the 1,024 MB the lab reads from one file or archive');
    const idx = unreadable('train-images-idx3-ubyte', 2 * MAX_DECOMPRESSED_BYTES);
    expect((await refusal({ name: 'idx', files: [idx, unreadable('train-labels-idx1-ubyte', 100)] })).message).toBe(
      'train-images-idx3-ubyte: 2,048 MB, more than the 1,024 MB the lab reads from one file or archive',
    );
    const csv = unreadable('huge.csv', MAX_CSV_BYTES + 1);
    const error = await refusal({ name: 'huge', files: [csv] });
    expect(error.message).toBe('huge.csv: 501 MB of CSV text, more than the 500 MB the lab reads as CSV: give the images as IDX files or an image folder');
    expect(tar.reads + idx.reads + csv.reads).toBe(0);
  });

  it('images with a zero dimension are refused by name, whatever the count says', async () => {
    const images = idxBytes([300, 0, 8], new Uint8Array(0));
    const labels = idxBytes([300], Uint8Array.from({ length: 300 }, (_, i) => i % 3));
    const error = await refusal(sourceOf('zero', { 'zero-images-idx3-ubyte': images, 'zero-labels-idx1-ubyte': labels }));
    expect(error.problem).toBe('too-small');
    expect(error.message).toBe('zero-images-idx3-ubyte: the IDX header declares images of 0×8×1 pixels: a zero dimension holds no image (header dims [300, 0, 8])');
  });

  it('a refused bomb reads nothing after its directory', async () => {
    const zeros = await deflatedZeros(20 * MB);
    const zip = zipOfEntries(Array.from({ length: 60 }, (_, i) => ({ path: `c${i % 2}/${i}.png`, method: 8 as const, data: zeros.data, size: 20 * MB, crc: zeros.crc })));
    const { source, reads } = counting(sourceOf('z', { 'z.zip': zip }));
    await refusal(source);
    // The archive itself, once (its entries are never asked for).
    expect(reads()).toBe(1);
  });
});

describe('the same files, any container, any order', () => {
  // 30 images of 6×6 in 3 classes, each image distinct.
  const images = Array.from({ length: 30 }, (_, i) => ({ path: `set/${['cat', 'dog', 'eel'][i % 3]}/${String(i).padStart(2, '0')}.png`, bytes: simplePng(6, 6, 1, (x, y) => (x * 13 + y * 7 + i * 29) & 255) }));

  const arrays = (dataset: Dataset) => ({
    classNames: dataset.info.classNames,
    train: [Array.from(dataset.train.images), Array.from(dataset.train.labels)],
    val: [Array.from(dataset.val.images), Array.from(dataset.val.labels)],
    test: [Array.from(dataset.test.images), Array.from(dataset.test.labels)],
  });

  it('a folder, a zip in reverse order and a zip in shuffled order give identical splits', async () => {
    const folder: DatasetSource = { name: 'set', files: images.map(({ path, bytes }) => fileFromBytes(path.slice(4), bytes)) };
    const reversed = await zipBytes([...images].reverse(), { deflate: true });
    const shuffled = await zipBytes([...images].sort((a, b) => ((a.bytes[40] * 31) % 17) - ((b.bytes[40] * 31) % 17) || (a.path < b.path ? 1 : -1)));
    const fromFolder = arrays(await readDatasetFiles(folder));
    expect(arrays(await readDatasetFiles(sourceOf('set', { 'set.zip': reversed })))).toEqual(fromFolder);
    expect(arrays(await readDatasetFiles(sourceOf('set', { 'set.zip': shuffled })))).toEqual(fromFolder);
    // The folder's own order does not matter either.
    expect(arrays(await readDatasetFiles({ name: 'set', files: [...folder.files].reverse() }))).toEqual(fromFolder);
  });
});
