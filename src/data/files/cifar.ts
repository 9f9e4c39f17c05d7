// CIFAR-10 and CIFAR-100 binary, as distributed (cifar-10-binary.tar.gz, cifar-100-binary.tar.gz
// or their loose .bin files). A CIFAR-10 record is 1 label byte and 3,072 pixel bytes, CIFAR-100's
// a coarse and a fine label byte (the fine one is used) and the pixels; the pixels are stored
// channel-planar (1,024 red, then green, then blue, rows of 32) and are turned into NHWC here.
import { DatasetFileError, checkDatasetSize, count } from './errors';
import { baseName, type DatasetEntry } from './source';
import type { RawImages } from './assemble';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;

export interface CifarVariant {
  name: 'CIFAR-10' | 'CIFAR-100';
  labelBytes: 1 | 2;
  numClasses: number;
  /** The file of class names, one a line. */
  namesFile: string;
}

export const CIFAR10: CifarVariant = { name: 'CIFAR-10', labelBytes: 1, numClasses: 10, namesFile: 'batches.meta.txt' };
export const CIFAR100: CifarVariant = { name: 'CIFAR-100', labelBytes: 2, numClasses: 100, namesFile: 'fine_label_names.txt' };

const CIFAR10_FILE = /^(data_batch_\d+|test_batch)\.bin$/i;
const CIFAR100_FILE = /^(train|test)\.bin$/i;

/** Whether the entries look like CIFAR binary (by the distributed file names). */
export function looksLikeCifar(entries: readonly DatasetEntry[]): boolean {
  return entries.some((entry) => CIFAR10_FILE.test(baseName(entry.path)) || CIFAR100_FILE.test(baseName(entry.path)));
}

export interface CifarFiles {
  variant: CifarVariant;
  train: DatasetEntry[];
  test: DatasetEntry[];
  classNames: DatasetEntry | undefined;
}

/** Which .bin files are train and test, and which CIFAR they are (names first, then record sizes). */
export function sortCifarFiles(entries: readonly DatasetEntry[], file: string): CifarFiles {
  const bins = entries.filter((entry) => /\.bin$/i.test(entry.path));
  if (bins.length === 0) throw new DatasetFileError(file, 'unknown-format', 'no .bin file: CIFAR binary comes as data_batch_1..5.bin and test_batch.bin (CIFAR-10) or train.bin and test.bin (CIFAR-100)');
  const named10 = bins.some((entry) => CIFAR10_FILE.test(baseName(entry.path)));
  const named100 = bins.some((entry) => CIFAR100_FILE.test(baseName(entry.path)));
  let variant: CifarVariant;
  if (named10 !== named100) variant = named10 ? CIFAR10 : CIFAR100;
  else {
    // Renamed files: the record size decides when only one fits.
    const fits = (v: CifarVariant) => bins.every((entry) => entry.size % (v.labelBytes + PIXELS) === 0);
    variant = fits(CIFAR100) && !fits(CIFAR10) ? CIFAR100 : CIFAR10;
  }
  const sorted = [...bins].sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
  const test = sorted.filter((entry) => /test/i.test(baseName(entry.path)));
  const train = sorted.filter((entry) => !/test/i.test(baseName(entry.path)));
  if (train.length === 0) throw new DatasetFileError(file, 'pairing', `no ${variant.name} training file (${variant === CIFAR10 ? 'data_batch_1.bin … data_batch_5.bin' : 'train.bin'}); found ${bins.map((e) => baseName(e.path)).join(', ')}`);
  const classNames = entries.find((entry) => baseName(entry.path).toLowerCase() === variant.namesFile);
  return { variant, train, test, classNames };
}

/**
 * Records of several .bin files as one set: labels read and checked now, pixels converted when a
 * sample is written (channel-planar -> NHWC bytes), straight from the files' bytes.
 */
export async function readCifarRecords(files: readonly DatasetEntry[], variant: CifarVariant, onProgress: (fraction: number) => void): Promise<RawImages> {
  const record = variant.labelBytes + PIXELS;
  let total = 0;
  for (const entry of files) {
    if (entry.size % record !== 0) {
      throw new DatasetFileError(
        entry.shownAs,
        'record-size',
        `${count(entry.size)} bytes is not a whole number of ${variant.name} records (${count(record)} bytes each: ${variant.labelBytes === 1 ? '1 label byte' : '2 label bytes (coarse, fine)'} + 3,072 pixel bytes); the file is truncated or not ${variant.name} binary`,
      );
    }
    total += entry.size / record;
  }
  checkDatasetSize(files[0].shownAs, total, [SIDE, SIDE, 3]);
  const labels = new Int32Array(total);
  // Where each record starts: its file's bytes and the offset of its first pixel.
  const recordFile = new Int32Array(total);
  const recordStart = new Float64Array(total);
  const contents: Uint8Array[] = [];
  let n = 0;
  for (const [f, entry] of files.entries()) {
    const bytes = await entry.bytes();
    contents.push(bytes);
    const records = bytes.length / record;
    for (let r = 0; r < records; r++, n++) {
      const at = r * record;
      const label = bytes[at + variant.labelBytes - 1];
      if (label >= variant.numClasses) {
        throw new DatasetFileError(entry.shownAs, 'label-range', `record ${count(r)} has label ${label}, out of range for ${variant.name}'s ${variant.numClasses} classes (0–${variant.numClasses - 1})`);
      }
      labels[n] = label;
      recordFile[n] = f;
      recordStart[n] = at + variant.labelBytes;
    }
    onProgress((f + 1) / files.length);
  }
  return {
    labels,
    count: total,
    shape: [SIDE, SIDE, 3],
    kind: 'bytes',
    writeSample(index, out, offset) {
      const bytes = contents[recordFile[index]];
      const red = recordStart[index];
      for (let p = 0, o = offset; p < PLANE; p++, o += 3) {
        out[o] = bytes[red + p];
        out[o + 1] = bytes[red + PLANE + p];
        out[o + 2] = bytes[red + 2 * PLANE + p];
      }
    },
  };
}

/** Class names from the names file when it has one per class, else "class 0", "class 1", … */
export async function cifarClassNames(files: CifarFiles): Promise<string[]> {
  const fallback = Array.from({ length: files.variant.numClasses }, (_, i) => `class ${i}`);
  if (!files.classNames) return fallback;
  const lines = new TextDecoder()
    .decode(await files.classNames.bytes())
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.length === files.variant.numClasses ? lines : fallback;
}
