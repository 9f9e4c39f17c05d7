// A corpus of damaged dataset files, each with the message its refusal must carry. Every case is
// one small valid dataset (Digits as CSV, MNIST as IDX) with exactly one file damaged as named.
import { getBuiltinDataset } from '../../src/data/registry';
import { gzip, idxBytes } from './idxBytes';

export interface DataCase {
  name: string;
  dataset: 'digits' | 'mnist';
  /** The dataset's files by path, one of them damaged. */
  files: Map<string, Uint8Array>;
  expected: RegExp;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** 30 valid Digits rows: 64 pixels in 0..16 and a label in 0..9. */
function digitsRows(): string[] {
  return Array.from({ length: 30 }, (_, row) => [...Array.from({ length: 64 }, (_, j) => (row * 7 + j) % 17), row % 10].join(','));
}

const text = (lines: string[]) => new TextEncoder().encode(`${lines.join('\n')}\n`);

/** Bytes that are neither text nor any format here: escape sequences, NULs and high bytes. */
function garbage(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => [0x1b, 0x5b, 0x32, 0x4a, 0x00, 0x07, 0xff, 0xfe, 0x80][i % 9] ^ (i >> 4 & 0x0f));
}

async function digitsCases(): Promise<DataCase[]> {
  const path = getBuiltinDataset('digits').files.trainImages;
  const file = escape(path);
  const rows = digitsRows();
  const edit = (index: number, change: (cells: string[]) => string[]) => rows.map((row, i) => (i === index ? change(row.split(',')).join(',') : row));
  const compressed = await gzip(text(rows));
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty CSV file', new Uint8Array(0), new RegExp(`^${file}: the CSV holds no samples`)],
    ['truncated gzip', compressed.subarray(0, compressed.length - 40), new RegExp(`^${file}: the gzip data is truncated or corrupt$`)],
    ['gzip header over garbage', Uint8Array.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0x03, ...garbage(200)]), new RegExp(`^${file}: the gzip data is truncated or corrupt$`)],
    ['binary garbage instead of CSV', garbage(3000), new RegExp(`^${file}: CSV line 1: expected 65 columns, found \\d+$`)],
    ['row with a missing column', text(edit(4, (cells) => cells.slice(1))), new RegExp(`^${file}: CSV line 5: expected 65 columns, found 64$`)],
    ['NaN pixel', text(edit(1, (cells) => cells.map((c, j) => (j === 2 ? 'NaN' : c)))), new RegExp(`^${file}: CSV line 2, column 3: "NaN" is not a number$`)],
    ['infinite pixel', text(edit(2, (cells) => cells.map((c, j) => (j === 0 ? 'Infinity' : c)))), new RegExp(`^${file}: CSV line 3, column 1: "Infinity" is not a number$`)],
    ['empty pixel cell', text(edit(3, (cells) => cells.map((c, j) => (j === 10 ? '' : c)))), new RegExp(`^${file}: CSV line 4, column 11: "" is not a number$`)],
    ['label out of range', text(edit(0, (cells) => [...cells.slice(0, 64), '12'])), new RegExp(`^${file}: CSV line 1: label 12 is out of range for 10 classes$`)],
    ['control bytes as a label', text(edit(6, (cells) => [...cells.slice(0, 64), '\u001b[2J'])), new RegExp(`^${file}: CSV line 7: label "\\\\u001b\\[2J" is not a class index$`)],
  ];
  return cases.map(([name, bytes, expected]) => ({ name: `digits: ${name}`, dataset: 'digits', files: new Map([[path, bytes]]), expected }));
}

async function mnistCases(): Promise<DataCase[]> {
  const spec = getBuiltinDataset('mnist');
  const paths = { trainImages: spec.files.trainImages, trainLabels: spec.files.trainLabels!, testImages: spec.files.testImages!, testLabels: spec.files.testLabels! };
  const pixels = 28 * 28;
  const images = (count: number) => idxBytes([count, 28, 28], Array.from({ length: count * pixels }, (_, i) => i % 256));
  const labels = (count: number) => idxBytes([count], Array.from({ length: count }, (_, i) => i % 10));
  const valid = { trainImages: images(20), trainLabels: labels(20), testImages: images(5), testLabels: labels(5) };
  const name = (key: keyof typeof paths, part: string) => escape(`${paths[key]} (${part})`);
  const trainImages = name('trainImages', 'train images');
  const gzipped = await gzip(valid.trainImages);
  const cases: [string, keyof typeof paths, Uint8Array, RegExp][] = [
    ['empty image file', 'trainImages', new Uint8Array(0), new RegExp(`^${trainImages}: too short to be an IDX file \\(0 bytes\\)$`)],
    ['text instead of IDX', 'trainImages', new TextEncoder().encode('<html>not found</html>'), new RegExp(`^${trainImages}: not an IDX file \\(bad magic number\\)$`)],
    ['truncated IDX header', 'trainImages', valid.trainImages.subarray(0, 9), new RegExp(`^${trainImages}: truncated IDX header \\(3 dimensions need 16 bytes, the file has 9\\)$`)],
    ['IDX header with 0 dimensions', 'trainImages', Uint8Array.from([0, 0, 8, 0]), new RegExp(`^${trainImages}: the IDX header declares 0 dimensions$`)],
    ['float IDX elements', 'trainImages', idxBytes([1], [0, 0, 0, 0], 0x0d).subarray(0, 8), new RegExp(`^${trainImages}: IDX element type 0xd is not supported`)],
    ['truncated image data', 'trainImages', valid.trainImages.subarray(0, valid.trainImages.length - 100), new RegExp(`^${trainImages}: header promises ${20 * pixels} values for dims \\[20, 28, 28\\], file has ${20 * pixels - 100}$`)],
    ['image data longer than the header says', 'trainImages', Uint8Array.from([...valid.trainImages, 1, 2, 3]), new RegExp(`^${trainImages}: header promises ${20 * pixels} values for dims \\[20, 28, 28\\], file has ${20 * pixels + 3}$`)],
    ['truncated gzipped images', 'trainImages', gzipped.subarray(0, gzipped.length / 2), new RegExp(`^${escape(paths.trainImages)}: the gzip data is truncated or corrupt$`)],
    ['8×8 images for MNIST', 'trainImages', idxBytes([20, 8, 8], new Array(20 * 64).fill(1)), new RegExp(`^${trainImages}: images are 8×8×1, MNIST has 28×28×1 images$`)],
    ['more labels than images', 'trainLabels', labels(21), new RegExp(`^${trainImages} and ${name('trainLabels', 'train labels')}: IDX images hold 20 samples but labels hold 21$`)],
    ['labels with two dimensions', 'testLabels', idxBytes([5, 1], [0, 1, 2, 3, 4]), new RegExp(`^${name('testLabels', 'test labels')}: IDX labels must have 1 dimension, got \\[5, 1\\]$`)],
    ['label out of range', 'testLabels', idxBytes([5], [11, 1, 2, 3, 4]), new RegExp(`^${name('testLabels', 'test labels')}: IDX label 11 at index 0 is out of range for 10 classes$`)],
  ];
  return cases.map(([caseName, key, bytes, expected]) => {
    const files = new Map(Object.entries(paths).map(([k, path]) => [path, valid[k as keyof typeof paths]]));
    files.set(paths[key], bytes);
    return { name: `mnist: ${caseName}`, dataset: 'mnist', files, expected };
  });
}

export async function malformedDatasets(): Promise<DataCase[]> {
  return [...(await digitsCases()), ...(await mnistCases())];
}

/** The same datasets undamaged, to show that each corpus case differs from a loadable one. */
export async function validDatasets(): Promise<DataCase[]> {
  const digits = getBuiltinDataset('digits').files.trainImages;
  const mnist = (await mnistCases())[0].files;
  const spec = getBuiltinDataset('mnist');
  mnist.set(spec.files.trainImages, idxBytes([20, 28, 28], Array.from({ length: 20 * 784 }, (_, i) => i % 256)));
  return [
    { name: 'digits', dataset: 'digits', files: new Map([[digits, await gzip(text(digitsRows()))]]), expected: /^$/ },
    { name: 'mnist', dataset: 'mnist', files: mnist, expected: /^$/ },
  ];
}
