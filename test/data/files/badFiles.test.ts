// Each way a user's dataset can be wrong, refused with one DatasetFileError: the problem's kind,
// and one printable line naming the file and what is wrong.
import { describe, expect, it } from 'vitest';
import { readDatasetFiles, type ReadDatasetOptions } from '../../../src/data/files/read';
import { DatasetFileError, MAX_IMAGES, checkDatasetSize, type DatasetProblem } from '../../../src/data/files/errors';
import type { DatasetSource } from '../../../src/data/files/source';
import { cifar10Archive, cifarBytes, gzip, idxBytes, pngBytes, simplePng, sourceOf, tarBytes, textBytes, zipBytes } from './corpus';

async function refusal(source: DatasetSource, options: ReadDatasetOptions = {}): Promise<DatasetFileError> {
  try {
    await readDatasetFiles(source, options);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetFileError);
    expect((error as Error).message).toMatch(/^[^\n\u0000-\u001f]*$/);
    return error as DatasetFileError;
  }
  throw new Error(`${source.name} was accepted`);
}

async function expectRefusal(source: DatasetSource, problem: DatasetProblem, message: string, options: ReadDatasetOptions = {}): Promise<void> {
  const error = await refusal(source, options);
  expect(error.message).toBe(message);
  expect(error.problem).toBe(problem);
}

const greyPng = (value: number) => simplePng(4, 4, 1, () => value);
const twoClasses = (): Record<string, Uint8Array> => ({ 'a/1.png': greyPng(0), 'a/2.png': greyPng(1), 'b/1.png': greyPng(2), 'b/2.png': greyPng(3) });

describe('refused dataset files', () => {
  it('a CIFAR file of the wrong record size', async () => {
    await expectRefusal(
      sourceOf('cifar', { 'data_batch_1.bin': cifarBytes(10, 10).subarray(0, 3073 * 10 - 5), 'test_batch.bin': cifarBytes(2, 10) }),
      'record-size',
      'data_batch_1.bin: 30,725 bytes is not a whole number of CIFAR-10 records (3,073 bytes each: 1 label byte + 3,072 pixel bytes); the file is truncated or not CIFAR-10 binary',
    );
  });

  it('a CIFAR label out of range, named with its record', async () => {
    const batch = cifarBytes(20, 10);
    batch[3073 * 4] = 12;
    await expectRefusal(sourceOf('cifar', { 'data_batch_1.bin': batch }), 'label-range', "data_batch_1.bin: record 4 has label 12, out of range for CIFAR-10's 10 classes (0–9)");
  });

  it('a truncated archive: gzip cut short, a tar cut between entries, a zip without its directory', async () => {
    const archive = await cifar10Archive(4, 4);
    await expectRefusal(sourceOf('cifar-10-binary', { 'cifar-10-binary.tar.gz': archive.subarray(0, archive.length >> 1) }), 'truncated', 'cifar-10-binary.tar.gz: the gzip data is truncated or damaged');
    const tar = tarBytes([{ path: 'data_batch_1.bin', bytes: cifarBytes(4, 10) }]);
    await expectRefusal(sourceOf('cifar', { 'cifar.tar': tar.subarray(0, 512 + 3073 * 2) }), 'truncated', 'cifar.tar: data_batch_1.bin is cut short at 6,146 of its 12,292 bytes: the archive is truncated');
    await expectRefusal(sourceOf('cifar', { 'cifar.tar': tar.subarray(0, tar.length - 1024) }), 'truncated', 'cifar.tar: the tar archive stops at byte 13,312 without its end marker: it is truncated');
    const zip = await zipBytes(Object.entries(twoClasses()).map(([path, bytes]) => ({ path, bytes })));
    await expectRefusal(sourceOf('pets', { 'pets.zip': zip.subarray(0, zip.length - 30) }), 'truncated', 'pets.zip: the zip archive has no central directory at its end: it is truncated or damaged');
  });

  it('an unknown format', async () => {
    await expectRefusal(
      sourceOf('notes', { 'notes.dat': textBytes('hello, world') }),
      'unknown-format',
      'notes: not a dataset format the lab knows; the lab reads CIFAR binary (cifar-10-binary.tar.gz or its .bin files), IDX image + label files (gzipped or not), a folder or .zip of class subfolders with PNG or JPEG images, and CSV with a label column and pixel columns',
    );
  });

  it('a file in a class folder that is not an image, and a GIF', async () => {
    await expectRefusal(sourceOf('pets', { ...twoClasses(), 'b/notes.txt': textBytes('not an image') }), 'not-an-image', 'b/notes.txt: not a PNG or JPEG image');
    await expectRefusal(sourceOf('pets', { ...twoClasses(), 'b/3.png': textBytes('GIF89a......') }), 'not-an-image', 'b/3.png: a GIF image; the lab reads PNG and JPEG images');
  });

  it('an interlaced PNG', async () => {
    const interlaced = pngBytes({ width: 4, height: 4, colourType: 0, rows: new Uint8Array(16), interlaced: true });
    await expectRefusal(sourceOf('pets', { ...twoClasses(), 'a/3.png': interlaced }), 'unsupported', 'a/3.png: interlaced (Adam7) PNGs are not supported: save the image without interlacing');
  });

  it('an empty class: a label no image has is refused; a class folder without images is left out and said so (a browser folder picker never sees it)', async () => {
    const withEmpty = await readDatasetFiles(sourceOf('pets', twoClasses(), ['a', 'b', 'c']));
    expect(withEmpty.info.classNames).toEqual(['a', 'b']);
    expect(withEmpty.info.source).toBe('pets (left out, holding no images: c/)');
    // The same files without the folder list, as a picker gives them: the same classes and images.
    const picked = await readDatasetFiles(sourceOf('pets', twoClasses()));
    expect(Array.from(picked.train.images)).toEqual(Array.from(withEmpty.train.images));
    const zip = await zipBytes(Object.entries(twoClasses()).map(([path, bytes]) => ({ path: `pets/${path}`, bytes })), { directories: ['pets', 'pets/a', 'pets/b', 'pets/empty'] });
    expect((await readDatasetFiles(sourceOf('pets', { 'pets.zip': zip }))).info.source).toBe('pets (left out, holding no images: empty/)');
    const labels = Array.from({ length: 20 }, (_, i) => [0, 1, 3][i % 3]);
    await expectRefusal(sourceOf('gappy', { 'images.idx3': idxBytes([20, 2, 2], new Uint8Array(80)), 'labels.idx1': idxBytes([20], labels) }), 'empty-class', 'gappy: class 2 has no training images');
  });

  it('mixed image sizes that cannot be resized: IDX train and test, a folder with resizing off', async () => {
    await expectRefusal(
      sourceOf('idx', {
        'train-images-idx3-ubyte': idxBytes([4, 3, 3], new Uint8Array(36)),
        'train-labels-idx1-ubyte': idxBytes([4], [0, 1, 0, 1]),
        't10k-images-idx3-ubyte.gz': await gzip(idxBytes([2, 4, 4], new Uint8Array(32))),
        't10k-labels-idx1-ubyte.gz': await gzip(idxBytes([2], [0, 1])),
      }),
      'mixed-sizes',
      'idx: the training images are 3×3×1 but the test images 4×4×1: both must have one size',
    );
    await expectRefusal(sourceOf('pets', { ...twoClasses(), 'b/3.png': simplePng(5, 4, 1, () => 0) }), 'mixed-sizes', 'b/3.png: the image is 5×4, others are 4×4: give images of one size or let them be resized', {
      resize: false,
    });
  });

  it('IDX files that do not pair, or whose counts disagree', async () => {
    await expectRefusal(
      sourceOf('idx', { 'train-images-idx3-ubyte': idxBytes([4, 2, 2], new Uint8Array(16)), 't10k-labels-idx1-ubyte': idxBytes([4], [0, 1, 0, 1]) }),
      'pairing',
      'idx: IDX train: one image file and one label file are needed, found 1 image file (train-images-idx3-ubyte) and 0 label files',
    );
    await expectRefusal(sourceOf('idx', { 'images-idx3-ubyte': idxBytes([4, 2, 2], new Uint8Array(16)), 'labels-idx1-ubyte': idxBytes([3], [0, 1, 0]) }), 'record-size', 'labels-idx1-ubyte: 3 labels for the 4 images of images-idx3-ubyte');
    await expectRefusal(sourceOf('idx', { 'images-idx3-ubyte': idxBytes([4, 2, 2], new Uint8Array(15)) }), 'record-size', 'images-idx3-ubyte: header promises 16 values for dims [4, 2, 2], file has 15');
  });

  it('CSV: pixel columns that make no square image, a value outside 0–255, a header without a label column', async () => {
    await expectRefusal(sourceOf('csv', { 'data.csv': textBytes('1,2,3,4,5,6\n0,1,2,3,4,5\n') }), 'record-size', 'data.csv: 5 pixel columns are no square image (s×s grey, such as 784 = 28×28, or s×s×3 RGB, such as 3,072 = 32×32×3)');
    await expectRefusal(sourceOf('csv', { 'data.csv': textBytes('label,p0,p1,p2,p3\n0,1,2,3,4\n1,1,2,300,4\n') }), 'unknown-format', 'data.csv: CSV line 3, column 4: 300 is outside 0–255');
    await expectRefusal(sourceOf('csv', { 'test.csv': textBytes('pixel0,pixel1,pixel2,pixel3\n1,2,3,4\n') }), 'unknown-format', 'test.csv: the header names no label column (label, class, target or y); its first column is "pixel0"');
  });

  it('more images than the limit, with the numbers, before the pixels are allocated', async () => {
    const n = MAX_IMAGES + 1;
    await expectRefusal(
      sourceOf('huge', { 'images-idx3-ubyte': idxBytes([n, 1, 1], new Uint8Array(n)), 'labels-idx1-ubyte': idxBytes([n], new Uint8Array(n).map((_, i) => i % 2)) }),
      'too-large',
      'huge: 200,001 images, more than the 200,000 the lab loads',
    );
    expect(() => checkDatasetSize('big.zip', 10_000, [64, 64, 3])).not.toThrow();
    expect(() => checkDatasetSize('big.zip', 200_000, [64, 64, 3])).toThrow('big.zip: 200,000 images of 64×64×3 take 2,344 MB (one byte a value), more than the 512 MB the lab holds');
  });

  it('a forced format that the files are not', async () => {
    await expectRefusal(sourceOf('pets', twoClasses()), 'unknown-format', 'pets: no .bin file: CIFAR binary comes as data_batch_1..5.bin and test_batch.bin (CIFAR-10) or train.bin and test.bin (CIFAR-100)', { format: 'cifar' });
  });
});
