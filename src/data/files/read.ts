// Reading a user's dataset files into the lab's Dataset (docs/ARCHITECTURE.md §5): archives
// opened, the format recognised from names and bytes (or forced), parsed, validated (one
// DatasetFileError naming the file and the problem) and split with the lab's seeded splits. Pure:
// no DOM, no tfjs, no file system — the CLI, the worker and the tests give the bytes.
import type { Dataset, LoadProgress } from '../types';
import { isGzip } from '../gzip';
import { assembleDataset, labelClasses, type DatasetDescription } from './assemble';
import { openSource } from './archives';
import { cifarClassNames, looksLikeCifar, readCifarRecords, sortCifarFiles } from './cifar';
import { looksLikeCsv, readCsvFiles } from './csvFile';
import { DatasetFileError } from './errors';
import { looksLikeImageFolder, readImageFolder, type FolderOptions } from './imageFolder';
import { isIdxStart, looksLikeIdxName, readIdxFiles } from './idxFiles';
import { gunzipStart } from './inflate';
import type { DatasetEntry, DatasetSource } from './source';
import { uploadedDatasetId } from '../uploaded';

export const DATASET_FORMATS = ['cifar', 'idx', 'folder', 'csv'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export interface ReadDatasetOptions extends FolderOptions {
  /** Skip recognition: read the files as this format. */
  format?: DatasetFormat;
  onProgress?: (progress: LoadProgress) => void;
}

const FORMAT_HELP =
  'the lab reads CIFAR binary (cifar-10-binary.tar.gz or its .bin files), IDX image + label files (gzipped or not), ' +
  'a folder or .zip of class subfolders with PNG or JPEG images, and CSV with a label column and pixel columns';

async function startsLikeIdx(entry: DatasetEntry): Promise<boolean> {
  if (looksLikeIdxName(entry.path)) return true;
  if (entry.size > 0 && /\.(png|jpe?g|csv|txt|html|md|json)$/i.test(entry.path)) return false;
  const bytes = await entry.bytes();
  const start = isGzip(bytes) ? await gunzipStart(bytes, 4) : bytes;
  return start !== null && isIdxStart(start);
}

/** Which reader the files are for. */
export async function detectFormat(entries: readonly DatasetEntry[], file: string): Promise<DatasetFormat> {
  if (entries.length === 0) throw new DatasetFileError(file, 'unknown-format', `no files; ${FORMAT_HELP}`);
  if (looksLikeCifar(entries)) return 'cifar';
  if (looksLikeImageFolder(entries)) return 'folder';
  if (looksLikeCsv(entries)) return 'csv';
  for (const entry of entries) if (await startsLikeIdx(entry)) return 'idx';
  throw new DatasetFileError(file, 'unknown-format', `not a dataset format the lab knows; ${FORMAT_HELP}`);
}

export async function readDatasetFiles(source: DatasetSource, options: ReadDatasetOptions = {}): Promise<Dataset> {
  const report = options.onProgress ?? (() => {});
  const file = source.name;
  // Reading and decompressing is the first 30 % of the bar, parsing the next 20, splitting (copying
  // the samples into train / val / test) and the train split's statistics the rest (image folders
  // decode while parsing: 50 % of the bar).
  const opened = await openSource(source, (fraction, message) => report({ fraction: 0.3 * fraction, message }));
  const format = options.format ?? (await detectFormat(opened.entries, file));
  const parseShare = format === 'folder' ? 0.5 : 0.2;
  const parse = (fraction: number, message: string) => report({ fraction: 0.3 + parseShare * fraction, message });
  const convert = (fraction: number) => report({ fraction: 0.3 + parseShare + (0.7 - parseShare) * fraction, message: `Splitting ${file} into train, val and test` });
  const describe = (formatName: string, classNames: string[]): DatasetDescription => ({ id: uploadedDatasetId(file), name: file, classNames, format: formatName, file });
  let dataset: Dataset;
  if (format === 'cifar') {
    const files = sortCifarFiles(opened.entries, file);
    const total = [...files.train, ...files.test].reduce((n, entry) => n + entry.size, 0) || 1;
    const trainShare = files.train.reduce((n, entry) => n + entry.size, 0) / total;
    const train = await readCifarRecords(files.train, files.variant, (f) => parse(trainShare * f, `Parsing ${files.variant.name}`));
    const test = files.test.length > 0 ? await readCifarRecords(files.test, files.variant, (f) => parse(trainShare + (1 - trainShare) * f, `Parsing ${files.variant.name}`)) : null;
    const names = (list: DatasetEntry[]) => list.map((entry) => entry.shownAs).join(', ');
    dataset = assembleDataset(describe(`${files.variant.name} binary`, await cifarClassNames(files)), train, test, {
      trainFrom: names(files.train),
      testFrom: files.test.length > 0 ? names(files.test) : undefined,
    }, convert);
  } else if (format === 'idx') {
    const read = await readIdxFiles(opened.entries, file, (f) => parse(f, 'Parsing IDX files'));
    const { names } = labelClasses([{ labels: read.train.labels, file: read.trainFrom }, ...(read.test ? [{ labels: read.test.labels, file: read.testFrom! }] : [])]);
    dataset = assembleDataset(describe('IDX', names), read.train, read.test, read, convert);
  } else if (format === 'csv') {
    const read = await readCsvFiles(opened.entries, file, (f) => parse(f, 'Parsing CSV'));
    const { names } = labelClasses([{ labels: read.train.labels, file: read.trainFrom }, ...(read.test ? [{ labels: read.test.labels, file: read.testFrom! }] : [])]);
    dataset = assembleDataset(describe('CSV', names), read.train, read.test, read, convert);
  } else {
    const read = await readImageFolder(opened.entries, opened.directories, file, options, parse);
    const leftOut = read.emptyFolders.length > 0 ? ` (left out, holding no images: ${read.emptyFolders.join(', ')})` : '';
    dataset = assembleDataset(
      describe('image folder', read.classNames),
      read.train,
      read.test,
      { trainFrom: `${read.test ? `${file} train/` : file}${leftOut}`, testFrom: read.test ? `${file} test/` : undefined },
      convert,
    );
  }
  report({ fraction: 1, message: `${file} ready` });
  return dataset;
}
