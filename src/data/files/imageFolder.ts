// An image folder (a directory, or a .zip of one): one subfolder per class holding PNG or JPEG
// images, optionally under top-level train/ and test/ folders. A single folder wrapping it all is
// looked through. Every image is resized to one size — the most common one, shrunk to fit 64×64
// when larger — with area averaging to shrink and bilinear to enlarge; the set is grey (1 channel)
// unless any image is colour, then RGB (grey images repeated into the three channels).
import { DatasetFileError, MAX_IMAGES, checkDatasetSize, count } from './errors';
import { decodeImage as defaultDecoder, readImageHeader, resizeInto, type ImageDecoder, type ImageHeader } from './images';
import type { DatasetEntry } from './source';
import { imagesFromPixels, type RawImages } from './assemble';

/** The largest side a folder's images are given by default. */
export const MAX_DEFAULT_SIDE = 64;

const IMAGE_NAME = /\.(png|jpe?g)$/i;

export function looksLikeImageFolder(entries: readonly DatasetEntry[]): boolean {
  return entries.some((entry) => IMAGE_NAME.test(entry.path) && entry.path.includes('/'));
}

export interface FolderOptions {
  /** [height, width] every image is resized to; default: the most common size, at most 64×64. */
  imageSize?: [number, number];
  /** false: images of different sizes are refused instead of resized. */
  resize?: boolean;
  decode?: ImageDecoder;
}

interface Placed {
  entry: DatasetEntry;
  split: 'train' | 'test';
  className: string;
}

/** Path parts after the wrapping folders every file shares. */
function layout(entries: readonly DatasetEntry[], directories: readonly string[]): { parts: (path: string) => string[]; classFolders: string[][] } {
  const split = (path: string) => path.split('/').filter((p) => p !== '');
  const paths = entries.filter((entry) => IMAGE_NAME.test(entry.path)).map((entry) => split(entry.path));
  let depth = 0;
  // Look through a folder that wraps everything (a zip of "myset/"), as long as something remains below it.
  while (paths.length > 0 && paths.every((p) => p.length >= depth + 3 && p[depth] === paths[0][depth])) depth++;
  const parts = (path: string) => split(path).slice(depth);
  return { parts, classFolders: directories.map(parts).filter((p) => p.length > 0) };
}

export async function readImageFolder(
  entries: readonly DatasetEntry[],
  directories: readonly string[],
  file: string,
  options: FolderOptions,
  onProgress: (fraction: number, message: string) => void,
): Promise<{ train: RawImages; test: RawImages | null; classNames: string[]; emptyFolders: string[] }> {
  const { parts, classFolders } = layout(entries, directories);
  const tops = new Set(entries.map((entry) => parts(entry.path)).filter((p) => p.length >= 2).map((p) => p[0].toLowerCase()));
  const hasSplits = tops.has('train') && tops.has('test') && [...tops].every((top) => top === 'train' || top === 'test');
  const placed: Placed[] = [];
  for (const entry of entries) {
    const p = parts(entry.path);
    const classDepth = hasSplits ? 1 : 0;
    if (p.length <= classDepth + 1) {
      // A file beside the class folders (a README, a licence) is no sample; an image there is misplaced.
      if (IMAGE_NAME.test(entry.path)) {
        throw new DatasetFileError(entry.shownAs, 'unknown-format', `the image is not inside a class folder: put each class's images in a folder named after the class${hasSplits ? ' under train/ and test/' : ''}`);
      }
      continue;
    }
    placed.push({ entry, split: hasSplits && p[0].toLowerCase() === 'test' ? 'test' : 'train', className: p[classDepth] });
  }
  const classNames = [...new Set(placed.map((p) => p.className))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  // A class folder with no file at all is only visible in a folder list, which a browser's folder
  // picker never gives: such a folder is left out (and said so where it is seen), so the page and
  // the CLI read the same files into the same classes.
  const emptyFolders: string[] = [];
  for (const folder of classFolders) {
    const classDepth = hasSplits ? 1 : 0;
    if (folder.length !== classDepth + 1 || (hasSplits && folder[0].toLowerCase() !== 'train')) continue;
    if (!classNames.includes(folder[classDepth])) emptyFolders.push(`${folder.join('/')}/`);
  }
  if (placed.length === 0) throw new DatasetFileError(file, 'unknown-format', 'no class folders with images: an image folder holds one subfolder of PNG or JPEG images per class');
  if (placed.length > MAX_IMAGES) checkDatasetSize(file, placed.length, [1, 1, 1]);

  // Pass 1: sizes and colour from the headers alone.
  const headers: ImageHeader[] = [];
  for (const [i, item] of placed.entries()) {
    headers.push(readImageHeader(await item.entry.bytes(), item.entry.shownAs));
    if ((i & 63) === 63) onProgress((0.2 * (i + 1)) / placed.length, 'Reading image sizes');
  }
  const channels: 1 | 3 = headers.some((h) => h.colour) ? 3 : 1;
  const [height, width] = options.imageSize ?? defaultSize(headers);
  if (options.resize === false) {
    const other = headers.findIndex((h) => h.height !== height || h.width !== width);
    if (other >= 0) {
      throw new DatasetFileError(placed[other].entry.shownAs, 'mixed-sizes', `the image is ${headers[other].width}×${headers[other].height}, others are ${width}×${height}: give images of one size or let them be resized`);
    }
  }
  checkDatasetSize(file, placed.length, [height, width, channels]);

  // Pass 2: decode each image straight into its place, resized.
  const decode = options.decode ?? defaultDecoder;
  const sets = { train: placed.filter((p) => p.split === 'train'), test: placed.filter((p) => p.split === 'test') };
  const size = height * width * channels;
  let done = 0;
  const build = async (items: Placed[]): Promise<RawImages> => {
    const pixels = new Uint8Array(items.length * size);
    const labels = new Int32Array(items.length);
    for (const [i, item] of items.entries()) {
      const image = await decode(await item.entry.bytes(), item.entry.shownAs);
      resizeInto(image, height, width, channels, pixels, i * size);
      labels[i] = classNames.indexOf(item.className);
      done++;
      if ((done & 31) === 0 || done === placed.length) onProgress(0.2 + (0.8 * done) / placed.length, `Decoding images ${count(done)} / ${count(placed.length)}`);
    }
    return imagesFromPixels(pixels, labels, items.length, [height, width, channels]);
  };
  const train = await build(sets.train);
  const test = hasSplits ? await build(sets.test) : null;
  return { train, test, classNames, emptyFolders };
}

/** The most common size (the first seen among equals), shrunk to fit 64×64 with its aspect kept. */
function defaultSize(headers: readonly ImageHeader[]): [number, number] {
  const counts = new Map<string, number>();
  let best = '';
  for (const h of headers) {
    const key = `${h.height}x${h.width}`;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    if (n > (counts.get(best) ?? 0)) best = key;
  }
  const [height, width] = best.split('x').map(Number);
  const scale = Math.min(1, MAX_DEFAULT_SIDE / Math.max(height, width));
  return [Math.max(1, Math.round(height * scale)), Math.max(1, Math.round(width * scale))];
}
