// IDX image + label pairs, gzipped or not (MNIST, KMNIST, EMNIST, any MNIST-format set), through
// the lab's own IDX parser. Train and test pairs are told apart by their names (train-images… /
// t10k-…, or "train" / "test" in the name); a single pair is split with the seeded split.
import { parseIdx, type IdxArray } from '../idx';
import { isGzip } from '../gzip';
import { DatasetFileError, count } from './errors';
import { gunzipEntry } from './archives';
import { baseName, type DatasetEntry } from './source';
import { imagesFromPixels, type RawImages } from './assemble';

interface ParsedIdx {
  entry: DatasetEntry;
  idx: IdxArray;
  split: 'train' | 'test' | 'any';
}

/** Whether the bytes start like an IDX file of unsigned bytes: 0, 0, 0x08, 1–4 dimensions. */
export function isIdxStart(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0x08 && bytes[3] >= 1 && bytes[3] <= 4;
}

export function looksLikeIdxName(path: string): boolean {
  return /idx[1-4]|ubyte/i.test(baseName(path));
}

function splitOf(path: string): ParsedIdx['split'] {
  const name = baseName(path).toLowerCase();
  if (/t10k|test/.test(name)) return 'test';
  if (/train/.test(name)) return 'train';
  return 'any';
}

async function parseEntry(entry: DatasetEntry): Promise<ParsedIdx> {
  let bytes = await entry.bytes();
  if (isGzip(bytes)) bytes = await gunzipEntry(bytes, entry.shownAs);
  try {
    return { entry, idx: parseIdx(bytes, entry.shownAs), split: splitOf(entry.path) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const detail = message.startsWith(`${entry.shownAs}: `) ? message.slice(entry.shownAs.length + 2) : message;
    throw new DatasetFileError(entry.shownAs, /truncated|promises/.test(detail) ? 'record-size' : 'unknown-format', detail);
  }
}

function pairOf(files: ParsedIdx[], split: string, file: string): { images: ParsedIdx; labels: ParsedIdx } {
  const images = files.filter((f) => f.idx.dims.length >= 3);
  const labels = files.filter((f) => f.idx.dims.length === 1);
  const names = (list: ParsedIdx[]) => list.map((f) => f.entry.shownAs).join(', ');
  if (images.length !== 1 || labels.length !== 1) {
    const found = `found ${images.length} image file${images.length === 1 ? '' : 's'}${images.length ? ` (${names(images)})` : ''} and ${labels.length} label file${labels.length === 1 ? '' : 's'}${labels.length ? ` (${names(labels)})` : ''}`;
    throw new DatasetFileError(file, 'pairing', `IDX ${split}: one image file and one label file are needed, ${found}`);
  }
  return { images: images[0], labels: labels[0] };
}

function rawFromPair(pair: { images: ParsedIdx; labels: ParsedIdx }): RawImages {
  const { images, labels } = pair;
  const dims = images.idx.dims;
  if (dims.length > 4) throw new DatasetFileError(images.entry.shownAs, 'unknown-format', `IDX images must have 3 or 4 dimensions, got [${dims.join(', ')}]`);
  const shape: [number, number, number] = [dims[1], dims[2], dims[3] ?? 1];
  if (shape.includes(0)) {
    throw new DatasetFileError(images.entry.shownAs, 'too-small', `the IDX header declares images of ${shape.join('×')} pixels: a zero dimension holds no image (header dims [${dims.join(', ')}])`);
  }
  if (shape[2] !== 1 && shape[2] !== 3) throw new DatasetFileError(images.entry.shownAs, 'unsupported', `IDX images with ${shape[2]} channels (the lab takes 1 or 3)`);
  const n = dims[0];
  if (labels.idx.dims[0] !== n) {
    throw new DatasetFileError(labels.entry.shownAs, 'record-size', `${count(labels.idx.dims[0])} labels for the ${count(n)} images of ${images.entry.shownAs}`);
  }
  if (storedTransposed(images.entry)) return uprightImages(images.idx.data, Int32Array.from(labels.idx.data), n, shape);
  return imagesFromPixels(images.idx.data, Int32Array.from(labels.idx.data), n, shape);
}

/**
 * EMNIST's IDX files (emnist-letters-train-images-idx3-ubyte, …) hold every image transposed: a
 * letter lies on its side. torchvision's EMNIST turns them upright, and so does the lab, by name.
 */
export function storedTransposed(entry: DatasetEntry): boolean {
  return /^emnist/i.test(baseName(entry.path));
}

/** Images stored transposed, written upright: output (y, x) is stored (x, y); the shape's height and width swap. */
function uprightImages(pixels: Uint8Array, labels: Int32Array, n: number, [height, width, channels]: [number, number, number]): RawImages {
  const size = height * width * channels;
  return {
    labels,
    count: n,
    shape: [width, height, channels],
    kind: 'bytes',
    writeSample(index, out, offset) {
      const from = index * size;
      for (let y = 0; y < width; y++) {
        for (let x = 0; x < height; x++) {
          for (let c = 0; c < channels; c++) out[offset + (y * height + x) * channels + c] = pixels[from + (x * width + y) * channels + c];
        }
      }
    },
  };
}

function pairSource({ images, labels }: { images: ParsedIdx; labels: ParsedIdx }): string {
  return `${images.entry.shownAs} + ${labels.entry.shownAs}${storedTransposed(images.entry) ? ' (EMNIST: stored transposed, turned upright)' : ''}`;
}

export async function readIdxFiles(entries: readonly DatasetEntry[], file: string, onProgress: (fraction: number) => void): Promise<{ train: RawImages; test: RawImages | null; trainFrom: string; testFrom?: string }> {
  const parsed: ParsedIdx[] = [];
  for (const entry of entries) {
    parsed.push(await parseEntry(entry));
    onProgress(parsed.length / entries.length);
  }
  const bySplit = (split: ParsedIdx['split']) => parsed.filter((f) => f.split === split);
  const train = bySplit('train');
  const test = bySplit('test');
  const any = bySplit('any');
  if (test.length > 0) {
    // Named pairs; files named neither way join train.
    const trainPair = pairOf([...train, ...any], 'train', file);
    const testPair = pairOf(test, 'test', file);
    return {
      train: rawFromPair(trainPair),
      test: rawFromPair(testPair),
      trainFrom: pairSource(trainPair),
      testFrom: pairSource(testPair),
    };
  }
  const pair = pairOf(parsed, 'files', file);
  return { train: rawFromPair(pair), test: null, trainFrom: pairSource(pair) };
}
