// Every format a user can bring, generated small in memory, read into the lab's Dataset: the
// pixels land where the format says (CIFAR's planes become NHWC), labels and class names are the
// file's, and train / val / test are the lab's seeded splits (the very samples carveSplit picks).
import { channelStats } from '../../../src/data/pixels';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encode as encodeJpeg } from 'jpeg-js';
import { readDatasetFiles } from '../../../src/data/files/read';
import { carveSplit, SPLIT_SEED, VAL_FRACTION } from '../../../src/data/split';
import type { Dataset, ImageSet, LoadProgress } from '../../../src/data/types';
import { CIFAR10_NAMES, cifar10Archive, cifarBytes, cifarLabel, cifarPixel, gzip, idxBytes, simplePng, sourceOf, tarBytes, textBytes, zipBytes } from './corpus';

/** CIFAR records r0..r0+n-1 as the lab keeps them (NHWC bytes), computed from the generator's formula. */
function expectedCifar(r0: number, n: number, numClasses: number): ImageSet {
  const images = new Uint8Array(n * 3072);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = cifarLabel(r0 + i, numClasses);
    for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) images[i * 3072 + p * 3 + c] = cifarPixel(r0 + i, c, p);
  }
  return { images, labels, count: n };
}

function expectSameSet(actual: ImageSet, expected: ImageSet): void {
  expect(actual.count).toBe(expected.count);
  expect(Array.from(actual.labels)).toEqual(Array.from(expected.labels));
  expect(actual.images.length).toBe(expected.images.length);
  expect(actual.images.constructor).toBe(expected.images.constructor);
  // One comparison of the whole array, not one expect a value.
  let firstDifference = -1;
  for (let i = 0; i < actual.images.length && firstDifference < 0; i++) if (actual.images[i] !== expected.images[i]) firstDifference = i;
  expect(firstDifference).toBe(-1);
}

function expectSameDataset(a: Dataset, b: Dataset): void {
  expect(a.info.inputShape).toEqual(b.info.inputShape);
  expect(a.info.classNames).toEqual(b.info.classNames);
  for (const split of ['train', 'val', 'test'] as const) expectSameSet(a[split], b[split]);
}

describe('CIFAR binary', () => {
  it('reads a 200-image cifar-10-binary.tar.gz: NHWC pixels, names from batches.meta.txt, val carved from train as carveSplit does', async () => {
    const progress: LoadProgress[] = [];
    const dataset = await readDatasetFiles(sourceOf('cifar-10-binary', { 'cifar-10-binary.tar.gz': await cifar10Archive(30, 50) }), { onProgress: (p) => progress.push(p) });
    expect(dataset.info).toMatchObject({ id: 'upload:cifar-10-binary', name: 'cifar-10-binary', inputShape: [32, 32, 3], numClasses: 10, classNames: CIFAR10_NAMES });
    const [train, val] = carveSplit(expectedCifar(0, 150, 10), VAL_FRACTION, SPLIT_SEED);
    expect([dataset.train.count, dataset.val.count, dataset.test.count]).toEqual([135, 15, 50]);
    expectSameSet(dataset.train, train);
    expectSameSet(dataset.val, val);
    expectSameSet(dataset.test, expectedCifar(150, 50, 10));
    // Inputs are normalised with the statistics of the train split (not val, not test).
    expect(dataset.info.normalization).toEqual(channelStats(train, 3));
    // Record 150's green value of pixel (row 1, column 1) — a planar layout read as NHWC would miss it.
    expect(dataset.test.images[(33 * 3 + 1)]).toBe(cifarPixel(150, 1, 33));
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.every((p, i) => i === 0 || p.fraction >= progress[i - 1].fraction)).toBe(true);
    expect(progress[progress.length - 1].fraction).toBe(1);
  });

  it('reads the loose .bin files the same as the archive; without the names file, classes are "class 0"…', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let b = 1; b <= 5; b++) files[`data_batch_${b}.bin`] = cifarBytes(30, 10, (b - 1) * 30);
    files['test_batch.bin'] = cifarBytes(50, 10, 150);
    const loose = await readDatasetFiles(sourceOf('cifar-loose', files));
    const archived = await readDatasetFiles(sourceOf('cifar-10-binary', { 'cifar-10-binary.tar.gz': await cifar10Archive(30, 50) }));
    expectSameDataset(loose, { ...archived, info: { ...archived.info, classNames: loose.info.classNames } });
    expect(loose.info.classNames.slice(0, 2)).toEqual(['class 0', 'class 1']);
  });

  it('reads CIFAR-100 train.bin / test.bin with the fine label (not the coarse one) and fine_label_names.txt', async () => {
    const names = Array.from({ length: 100 }, (_, i) => `fine${i}`);
    const archive = await gzip(
      tarBytes([
        { path: 'cifar-100-binary/train.bin', bytes: cifarBytes(200, 100) },
        { path: 'cifar-100-binary/test.bin', bytes: cifarBytes(40, 100, 200) },
        { path: 'cifar-100-binary/fine_label_names.txt', bytes: textBytes(names.join('\n')) },
        { path: 'cifar-100-binary/coarse_label_names.txt', bytes: textBytes('a\nb\n') },
      ]),
    );
    const dataset = await readDatasetFiles(sourceOf('cifar-100-binary', { 'cifar-100-binary.tgz': archive }));
    expect(dataset.info).toMatchObject({ numClasses: 100, classNames: names, inputShape: [32, 32, 3] });
    expectSameSet(dataset.test, expectedCifar(200, 40, 100));
    expect(dataset.test.labels[3]).toBe((203 * 7) % 100);
  });
});

describe('IDX pairs', () => {
  const images = (n: number, side: number, seed: number) => Array.from({ length: n * side * side }, (_, i) => (i * 13 + seed) & 255);
  const labels = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => (i % 3) + offset);

  it('pairs train-… and t10k-… files, gzipped or not, and gives the same dataset either way', async () => {
    const raw = {
      'train-images-idx3-ubyte': idxBytes([30, 4, 4], images(30, 4, 1)),
      'train-labels-idx1-ubyte': idxBytes([30], labels(30)),
      't10k-images-idx3-ubyte': idxBytes([9, 4, 4], images(9, 4, 2)),
      't10k-labels-idx1-ubyte': idxBytes([9], labels(9)),
    };
    const gzipped: Record<string, Uint8Array> = {};
    for (const [name, bytes] of Object.entries(raw)) gzipped[`${name}.gz`] = await gzip(bytes);
    const plain = await readDatasetFiles(sourceOf('kmnist', raw));
    const packed = await readDatasetFiles(sourceOf('kmnist', gzipped));
    expect(plain.info).toMatchObject({ inputShape: [4, 4, 1], numClasses: 3, classNames: ['class 0', 'class 1', 'class 2'] });
    expect([plain.train.count, plain.val.count, plain.test.count]).toEqual([27, 3, 9]);
    expect(plain.test.images[5]).toBe((5 * 13 + 2) & 255);
    expect(Array.from(plain.test.labels)).toEqual(labels(9));
    expectSameDataset(plain, packed);
  });

  it('turns EMNIST\'s transposed images upright (by the emnist- file names), as torchvision does', async () => {
    // 3 test images of 2 rows × 3 columns as stored: EMNIST's files hold the transpose of each image.
    const stored = Array.from({ length: 3 * 6 }, (_, i) => i * 10);
    const files = {
      'emnist-letters-train-images-idx3-ubyte': idxBytes([30, 2, 3], images(30, 6, 0).slice(0, 180)),
      'emnist-letters-train-labels-idx1-ubyte': idxBytes([30], labels(30)),
      'emnist-letters-test-images-idx3-ubyte': idxBytes([3, 2, 3], stored),
      'emnist-letters-test-labels-idx1-ubyte': idxBytes([3], labels(3)),
    };
    const dataset = await readDatasetFiles(sourceOf('emnist-letters', files));
    expect(dataset.info.inputShape).toEqual([3, 2, 1]);
    // Upright image 1, row y, column x is the stored (row x, column y): stored row 0 = 60, 70, 80; row 1 = 90, 100, 110.
    expect(Array.from(dataset.test.images.subarray(6, 12))).toEqual([60, 90, 70, 100, 80, 110]);
    expect(dataset.info.source).toMatch(/EMNIST: stored transposed, turned upright/);
    // Any other IDX file is taken as stored.
    const kept = await readDatasetFiles(sourceOf('other', { 'letters-test-images-idx3-ubyte': idxBytes([3, 2, 3], stored), 'letters-test-labels-idx1-ubyte': idxBytes([3], labels(3)), 'letters-train-images-idx3-ubyte': files['emnist-letters-train-images-idx3-ubyte'], 'letters-train-labels-idx1-ubyte': files['emnist-letters-train-labels-idx1-ubyte'] }));
    expect(kept.info.inputShape).toEqual([2, 3, 1]);
    expect(Array.from(kept.test.images.subarray(6, 12))).toEqual([60, 70, 80, 90, 100, 110]);
  });

  it('splits a single pair with the seeded splits (20 % test, then 10 % val) and moves labels 1…K down to 0…K-1', async () => {
    const dataset = await readDatasetFiles(sourceOf('letters', { 'images.idx3': idxBytes([50, 2, 2], images(50, 2, 0)), 'labels.idx1': idxBytes([50], labels(50, 1)) }));
    expect([dataset.train.count, dataset.val.count, dataset.test.count]).toEqual([36, 4, 10]);
    expect(dataset.info.classNames).toEqual(['class 1', 'class 2', 'class 3']);
    expect(Math.max(...dataset.train.labels)).toBe(2);
    expect(Math.min(...dataset.train.labels)).toBe(0);
  });
});

describe('CSV', () => {
  const rows = (n: number, pixels: number, offset: number) => Array.from({ length: n }, (_, r) => [r % 4, ...Array.from({ length: pixels }, (_, j) => (r * 7 + j * 5 + offset) % 256)].join(','));

  it('reads the Kaggle layout with a header (label first) and without one, the same', async () => {
    const header = ['label', ...Array.from({ length: 16 }, (_, j) => `pixel${j}`)].join(',');
    const body = rows(40, 16, 0);
    const withHeader = await readDatasetFiles(sourceOf('kaggle', { 'train.csv': textBytes(`${header}\n${body.join('\n')}\n`) }));
    const without = await readDatasetFiles(sourceOf('kaggle', { 'train.csv': textBytes(`${body.join('\r\n')}\r\n`) }));
    expect(withHeader.info).toMatchObject({ inputShape: [4, 4, 1], numClasses: 4 });
    expect([withHeader.train.count, withHeader.val.count, withHeader.test.count]).toEqual([29, 3, 8]);
    expectSameDataset(withHeader, without);
  });

  it('takes 3·s·s pixel columns as s×s RGB, channel-last, and pairs train.csv with test.csv', async () => {
    const dataset = await readDatasetFiles(
      sourceOf('colour', { 'mnist_train.csv': textBytes(rows(20, 48, 0).join('\n')), 'mnist_test.csv.gz': await gzip(textBytes(rows(8, 48, 1).join('\n'))) }),
    );
    expect(dataset.info.inputShape).toEqual([4, 4, 3]);
    expect([dataset.train.count + dataset.val.count, dataset.test.count]).toEqual([20, 8]);
    // Test row 1, column 5 (pixel 1, green): (1·7 + 4·5 + 1) % 256 = 28.
    expect(dataset.test.images[48 + 4]).toBeCloseTo(28 / 255, 7);
    expect(dataset.test.labels[1]).toBe(1);
  });
});

describe('image folders', () => {
  /** A grey image whose every pixel says its class and index. */
  const grey = (value: number, side = 8) => simplePng(side, side, 1, () => value);
  const folder = () => {
    const files: Record<string, Uint8Array> = {};
    ['cat', 'dog', 'fox'].forEach((name, c) => {
      for (let i = 0; i < 5; i++) files[`${name}/${i}.png`] = grey(c * 50 + i);
    });
    return files;
  };

  it('reads one folder per class (sorted names), 8-bit grey kept 1-channel, a seeded test split', async () => {
    const dataset = await readDatasetFiles(sourceOf('pets', folder(), ['cat', 'dog', 'fox']));
    expect(dataset.info).toMatchObject({ inputShape: [8, 8, 1], numClasses: 3, classNames: ['cat', 'dog', 'fox'] });
    expect([dataset.train.count, dataset.val.count, dataset.test.count]).toEqual([11, 1, 3]);
    for (const split of [dataset.train, dataset.val, dataset.test]) {
      for (let i = 0; i < split.count; i++) {
        const value = split.images[i * 64 + 63];
        expect(Math.floor(value / 50)).toBe(split.labels[i]);
      }
    }
  });

  it('reads a zip of the folder (deflated, inside a wrapping folder, with a README beside it) as the same dataset', async () => {
    const files = Object.entries(folder()).map(([path, bytes]) => ({ path: `pets/${path}`, bytes }));
    files.push({ path: 'pets/README.txt', bytes: textBytes('three classes') }, { path: '__MACOSX/pets/._cat', bytes: textBytes('x') });
    const zipped = await readDatasetFiles(sourceOf('pets', { 'pets.zip': await zipBytes(files, { deflate: true, directories: ['pets', 'pets/cat', 'pets/dog', 'pets/fox'] }) }));
    expectSameDataset(zipped, await readDatasetFiles(sourceOf('pets', folder())));
  });

  it('resizes to the most common size (area averaging: a 16×16 image of 2×2 blocks becomes its blocks) and goes RGB when any image is colour', async () => {
    const files = folder();
    files['cat/big.png'] = simplePng(16, 16, 1, (x, y) => ((x >> 1) + (y >> 1)) * 10);
    files['dog/colour.png'] = simplePng(8, 8, 3, (_x, _y, c) => [200, 100, 50][c]);
    const dataset = await readDatasetFiles(sourceOf('mixed', files), { format: 'folder' });
    expect(dataset.info.inputShape).toEqual([8, 8, 3]);
    const all = [dataset.train, dataset.val, dataset.test];
    const find = (test: (pixels: ArrayLike<number>) => boolean) => all.some((set) => Array.from({ length: set.count }, (_, i) => set.images.subarray(i * 192, (i + 1) * 192)).some(test));
    const byte = (v: number) => v; // image folders keep their bytes
    // The block image: pixel (x=3, y=5) is ((3 + 5) · 10) in all three channels.
    expect(find((p) => byte(p[(5 * 8 + 3) * 3]) === 80 && byte(p[(5 * 8 + 3) * 3 + 2]) === 80 && byte(p[(5 * 8 + 4) * 3]) === 90 && byte(p[0]) === 0)).toBe(true);
    expect(find((p) => byte(p[0]) === 200 && byte(p[1]) === 100 && byte(p[2]) === 50)).toBe(true);
  });

  it('shrinks large images to fit 64×64 keeping their aspect, and honours train/ and test/', async () => {
    const files: Record<string, Uint8Array> = {};
    for (const split of ['train', 'test']) {
      for (const [c, name] of ['a', 'b'].entries()) for (let i = 0; i < 3; i++) files[`${split}/${name}/${i}.png`] = simplePng(128, 96, 1, () => 100 * c + i);
    }
    const dataset = await readDatasetFiles(sourceOf('wide', files));
    expect(dataset.info.inputShape).toEqual([48, 64, 1]);
    expect([dataset.train.count + dataset.val.count, dataset.test.count]).toEqual([6, 6]);
    expect(dataset.test.images[48 * 64 * 4 + 100]).toBe(101);
  });

  it('decodes JPEG (jpeg-js): colour within JPEG rounding', async () => {
    const jpeg = (rgb: [number, number, number]) => {
      const data = new Uint8Array(8 * 8 * 4);
      for (let i = 0; i < 64; i++) data.set([...rgb, 255], i * 4);
      return new Uint8Array(encodeJpeg({ width: 8, height: 8, data }, 95).data);
    };
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 4; i++) {
      files[`red/${i}.jpg`] = jpeg([220, 30, 40]);
      files[`blue/${i}.jpeg`] = jpeg([20, 40, 210]);
    }
    const dataset = await readDatasetFiles(sourceOf('jpegs', files));
    expect(dataset.info).toMatchObject({ inputShape: [8, 8, 3], classNames: ['blue', 'red'] });
    const first = dataset.train.images.subarray(0, 3);
    const want = dataset.train.labels[0] === 1 ? [220, 30, 40] : [20, 40, 210];
    first.forEach((v, c) => expect(Math.abs(v - want[c])).toBeLessThanOrEqual(4));
  });

  it('keeps a one-component (grey) JPEG grey: 1 channel, its values within JPEG rounding', async () => {
    // Two 8×8 grey JPEGs written by Pillow (mode L, quality 95): flat 40 and flat 200, row 0 rising by 3 a pixel.
    const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}.jpg`, import.meta.url)));
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 4; i++) {
      files[`dark/${i}.jpg`] = fixture('grey-dark');
      files[`bright/${i}.jpg`] = fixture('grey-bright');
    }
    const dataset = await readDatasetFiles(sourceOf('grey-jpegs', files));
    expect(dataset.info).toMatchObject({ inputShape: [8, 8, 1], classNames: ['bright', 'dark'] });
    for (const set of [dataset.train, dataset.val, dataset.test]) {
      for (let i = 0; i < set.count; i++) {
        const base = set.labels[i] === 0 ? 200 : 40;
        const image = set.images.subarray(i * 64, (i + 1) * 64);
        expect(Math.abs(image[7] - (base + 21))).toBeLessThanOrEqual(4); // row 0, last column
        expect(Math.abs(image[63] - base)).toBeLessThanOrEqual(4);
      }
    }
  });
});
