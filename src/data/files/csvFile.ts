// CSV datasets in the Kaggle MNIST layout: one image a line, a label column and the pixel columns,
// values 0–255, a header line optional (recognised by a cell that is not a number; its label
// column is the one named label, class, target or y, first or last). A train and a test file are
// told apart by "train" / "test" in their names; a single file is split with the seeded split.
// Square images are inferred from the pixel count: s·s pixels are s×s grey, 3·s·s are s×s RGB with
// the channels innermost (r, g, b of the first pixel, then the next: channel-last).
import { parseLabelledCsv } from '../csv';
import { isGzip } from '../gzip';
import { DatasetFileError, checkDatasetSize, count } from './errors';
import { gunzipEntry } from './archives';
import { baseName, type DatasetEntry } from './source';
import { imagesFromPixels, type RawImages } from './assemble';

export function looksLikeCsv(entries: readonly DatasetEntry[]): boolean {
  return entries.some((entry) => /\.csv(\.gz)?$/i.test(entry.path));
}

/** s×s×1 or s×s×3 from a pixel count, or null. */
export function squareShape(pixels: number): [number, number, number] | null {
  const grey = Math.round(Math.sqrt(pixels));
  if (grey > 0 && grey * grey === pixels) return [grey, grey, 1];
  const rgb = Math.round(Math.sqrt(pixels / 3));
  if (rgb > 0 && 3 * rgb * rgb === pixels) return [rgb, rgb, 3];
  return null;
}

const LABEL_HEADER = /^\s*"?(label|labels|class|target|y)"?\s*$/i;

/**
 * A CSV is read as one string, and a JavaScript string holds at most 2^29 − 24 characters (512 MB):
 * larger text is refused by its size, before the platform's own error would hide which file it was.
 */
export const MAX_CSV_BYTES = 500 * 1024 ** 2;

function checkCsvSize(entry: DatasetEntry, bytes: number, gzipped: boolean): void {
  if (bytes <= MAX_CSV_BYTES) return;
  const mb = (n: number) => count(Math.ceil(n / 1024 ** 2));
  throw new DatasetFileError(
    entry.shownAs,
    'too-large',
    `${gzipped ? 'decompresses to ' : ''}${mb(bytes)} MB of CSV text, more than the ${mb(MAX_CSV_BYTES)} MB the lab reads as CSV: give the images as IDX files or an image folder`,
  );
}

async function readCsv(entry: DatasetEntry): Promise<RawImages> {
  checkCsvSize(entry, entry.size, false);
  let bytes = await entry.bytes();
  if (isGzip(bytes)) {
    bytes = await gunzipEntry(bytes, entry.shownAs);
    checkCsvSize(entry, bytes.length, true);
  }
  const text = new TextDecoder().decode(bytes);
  const firstLine = text.slice(0, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length).trim();
  const cells = firstLine.split(',');
  const header = cells.some((cell) => cell.trim() !== '' && !Number.isFinite(Number(cell)));
  let labelColumn: 'first' | 'last' = 'first';
  if (header) {
    const at = cells.findIndex((cell) => LABEL_HEADER.test(cell));
    if (at < 0) throw new DatasetFileError(entry.shownAs, 'unknown-format', `the header names no label column (label, class, target or y); its first column is ${JSON.stringify(cells[0].slice(0, 20))}`);
    if (at !== 0 && at !== cells.length - 1) throw new DatasetFileError(entry.shownAs, 'unsupported', `the label column (${JSON.stringify(cells[at])}, column ${at + 1}) must be the first or the last`);
    labelColumn = at === 0 ? 'first' : 'last';
  }
  const features = cells.length - 1;
  const shape = squareShape(features);
  if (!shape) {
    throw new DatasetFileError(entry.shownAs, 'record-size', `${count(features)} pixel columns are no square image (s×s grey, such as 784 = 28×28, or s×s×3 RGB, such as 3,072 = 32×32×3)`);
  }
  let lines = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  checkDatasetSize(entry.shownAs, lines + 1 - (header ? 1 : 0), shape);
  try {
    const set = parseLabelledCsv(text, { labelColumn, maxValue: 255, features, name: entry.shownAs, header, valueRange: [0, 255] });
    return imagesFromPixels(set.images, set.labels, set.count, shape);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const detail = message.startsWith(`${entry.shownAs}: `) ? message.slice(entry.shownAs.length + 2) : message;
    throw new DatasetFileError(entry.shownAs, /columns/.test(detail) ? 'record-size' : 'unknown-format', detail);
  }
}

export async function readCsvFiles(entries: readonly DatasetEntry[], file: string, onProgress: (fraction: number) => void): Promise<{ train: RawImages; test: RawImages | null; trainFrom: string; testFrom?: string }> {
  const csvs = entries.filter((entry) => /\.csv(\.gz)?$/i.test(entry.path));
  const candidates = csvs.length > 0 ? csvs : entries;
  if (candidates.length === 1) {
    const train = await readCsv(candidates[0]);
    onProgress(1);
    return { train, test: null, trainFrom: candidates[0].shownAs };
  }
  const test = candidates.filter((entry) => /test/i.test(baseName(entry.path)));
  const train = candidates.filter((entry) => /train/i.test(baseName(entry.path)) && !test.includes(entry));
  if (train.length !== 1 || test.length !== 1) {
    throw new DatasetFileError(file, 'pairing', `${candidates.length} CSV files (${candidates.map((e) => e.shownAs).join(', ')}): give one, or one with "train" and one with "test" in its name`);
  }
  const trainSet = await readCsv(train[0]);
  onProgress(0.7);
  const testSet = await readCsv(test[0]);
  onProgress(1);
  return { train: trainSet, test: testSet, trainFrom: train[0].shownAs, testFrom: test[0].shownAs };
}
