// Opening what the user gave into the dataset's files: a .tar.gz or .tgz (CIFAR), a .tar, a .zip
// (an image folder), a single .gz (an IDX or CSV file), or loose files and folders as they are.
// Messages name a file inside an archive as "inner/path (in archive.zip)".
import { isGzip } from '../gzip';
import { DatasetFileError, count } from './errors';
import { BOMB_FLOOR_BYTES, expandsLikeBomb, gzipSizeHint, inflate, InflateError, type CompressedInput } from './inflate';
import { isTar, readTar } from './tar';
import { inMemory, isZip, readZip, type ZipContents, type ZipEntry } from './zip';
import { baseName, isJunkPath, type DatasetEntry, type DatasetSource } from './source';

/**
 * No archive or compressed file in the lab opens to more, all its files together: CIFAR-10's tar
 * is 184 MB, the limit on a dataset's pixels 512 MB. A file read whole is held to it too.
 */
export const MAX_DECOMPRESSED_BYTES = 1024 ** 3;

/**
 * Dataset files expand a few times when decompressed (MNIST's IDX 4.8×, a CSV of digits 5–10×,
 * CIFAR's tar 1.1×); zeros expand a thousand times. Past BOMB_FLOOR_BYTES, more than this is refused.
 */
export const MAX_COMPRESSION_RATIO = 50;

const megabytes = (bytes: number) => `${count(Math.ceil(bytes / 1024 ** 2))} MB`;

/** Why a compressed file or archive expands too far, in the words every refusal uses. */
export function expansionRefusal(shownAs: string, reason: 'too-large' | 'ratio', bytes?: number): DatasetFileError {
  if (reason === 'too-large') {
    const size = bytes === undefined ? `more than ${megabytes(MAX_DECOMPRESSED_BYTES)}` : megabytes(bytes);
    return new DatasetFileError(shownAs, 'too-large', `decompresses to ${size}, more than the ${megabytes(MAX_DECOMPRESSED_BYTES)} the lab reads from one file or archive`);
  }
  const size = bytes === undefined ? `past ${megabytes(BOMB_FLOOR_BYTES)}` : `to ${megabytes(bytes)}`;
  return new DatasetFileError(
    shownAs,
    'too-large',
    `expands more than ${MAX_COMPRESSION_RATIO} times its compressed size (${size}): a compression bomb or no dataset — dataset files expand a few times at most`,
  );
}

export async function gunzipEntry(input: CompressedInput, shownAs: string, onProgress?: (fraction: number) => void, sizeHint?: number): Promise<Uint8Array> {
  try {
    return await inflate(input, 'gzip', {
      maxBytes: MAX_DECOMPRESSED_BYTES,
      maxRatio: MAX_COMPRESSION_RATIO,
      expectedBytes: sizeHint ?? (input instanceof Uint8Array ? gzipSizeHint(input) : undefined),
      onProgress,
    });
  } catch (error) {
    if (!(error instanceof InflateError)) throw error;
    if (error.reason !== 'corrupt') throw expansionRefusal(shownAs, error.reason);
    throw new DatasetFileError(shownAs, 'truncated', 'the gzip data is truncated or damaged');
  }
}

/** A file read whole (a .tar, a .zip, a .bin) must fit the same budget as what an archive opens to. */
function checkReadable(file: { path: string; size: number }): void {
  if (file.size > MAX_DECOMPRESSED_BYTES) {
    throw new DatasetFileError(file.path, 'too-large', `${megabytes(file.size)}, more than the ${megabytes(MAX_DECOMPRESSED_BYTES)} the lab reads from one file or archive`);
  }
}

/**
 * A zip's budget, from its directory before anything is inflated: all its entries together within
 * MAX_DECOMPRESSED_BYTES, and neither the whole nor one entry expanding like a bomb. An entry is
 * never inflated past the size the directory announces (zip.ts), so this bounds what it costs.
 */
function checkZipExpansion(files: readonly ZipEntry[], archiveBytes: number, shownAs: string): void {
  const total = files.reduce((n, entry) => n + entry.size, 0);
  if (total > MAX_DECOMPRESSED_BYTES) throw expansionRefusal(shownAs, 'too-large', total);
  if (expandsLikeBomb(total, archiveBytes, MAX_COMPRESSION_RATIO)) throw expansionRefusal(shownAs, 'ratio', total);
  const bomb = files.find((entry) => expandsLikeBomb(entry.size, entry.compressedSize, MAX_COMPRESSION_RATIO));
  if (bomb) throw expansionRefusal(`${bomb.path} (in ${shownAs})`, 'ratio', bomb.size);
}

/** A zip's entries as dataset entries, once its budget holds. */
function addZip(entries: DatasetEntry[], directories: string[], zip: ZipContents, archiveBytes: number, shownAs: string): void {
  checkZipExpansion(zip.files, archiveBytes, shownAs);
  // Not kept: each read inflates the entry again, so a folder of images never holds them all at once.
  for (const member of zip.files) {
    entries.push({ path: member.path, shownAs: `${member.path} (in ${baseName(shownAs)})`, size: member.size, bytes: member.bytes });
  }
  directories.push(...zip.directories);
}

/** Code-unit order: the same files give the same order from a folder, a zip or a tar, whatever order they were stored in. */
function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export interface OpenedSource {
  entries: DatasetEntry[];
  directories: string[];
}

const memo = (read: () => Promise<Uint8Array>) => {
  let promise: Promise<Uint8Array> | null = null;
  return () => (promise ??= read());
};

/**
 * Every file of the source with archives opened, sorted by path (a split must not follow the order
 * files were stored in: docs/ARCHITECTURE.md §5); `onProgress` is 0..1 over the reading and decompressing.
 */
export async function openSource(source: DatasetSource, onProgress: (fraction: number, message: string) => void): Promise<OpenedSource> {
  const entries: DatasetEntry[] = [];
  const directories = [...(source.directories ?? [])];
  const files = source.files.filter((file) => !isJunkPath(file.path));
  const totalBytes = files.reduce((n, file) => n + file.size, 0) || 1;
  let doneBytes = 0;
  for (const file of files) {
    const shownAs = file.path;
    const read = memo(() => file.bytes());
    const lower = file.path.toLowerCase();
    const share = file.size / totalBytes;
    const start = doneBytes / totalBytes;
    doneBytes += file.size;
    // Archives are recognised by name and opened now; other files are read only when a format asks,
    // afresh each time (an image folder is read twice), so none is kept.
    if (!/\.(tar\.gz|tgz|tar|zip)$/i.test(lower) && !(files.length === 1 && /\.gz$/.test(lower))) {
      entries.push({ path: file.path, shownAs, size: file.size, bytes: () => (checkReadable(file), file.bytes()) });
      continue;
    }
    onProgress(start, `Reading ${baseName(file.path)}`);
    const decompressing = (f: number) => onProgress(start + share * f, `Decompressing ${baseName(file.path)}`);
    let bytes: Uint8Array;
    let inner = file.path;
    // A zip is read by byte ranges and a compressed file streamed when the file allows; anything
    // else is read whole and must fit the budget first.
    const streamable = file.stream !== undefined && file.slice !== undefined;
    if (!streamable) checkReadable(file);
    const head = file.slice ? await file.slice(0, 4) : await read();
    const compressed = isGzip(head);
    if (file.slice && isZip(head)) {
      const slice = file.slice;
      addZip(entries, directories, await readZip({ size: file.size, slice: (from, to) => slice(from, to) }, shownAs), file.size, shownAs);
      onProgress(start + share, `Read ${baseName(file.path)}`);
      continue;
    }
    if (!compressed) checkReadable(file);
    if (compressed) {
      // Streamed when the file can be: 160 MB of compressed bytes are never held (fresh memory is slow to touch).
      bytes =
        streamable && file.stream && file.slice
          ? await gunzipEntry({ stream: file.stream(), size: file.size }, shownAs, decompressing, gzipSizeHint(await file.slice(Math.max(0, file.size - 4), file.size)))
          : await gunzipEntry(await read(), shownAs, decompressing);
      inner = file.path.replace(/\.gz$/i, '').replace(/\.tgz$/i, '.tar');
    } else bytes = await read();
    if (isTar(bytes)) {
      const tar = readTar(bytes, shownAs);
      for (const member of tar.files) {
        entries.push({ path: member.path, shownAs: `${member.path} (in ${baseName(file.path)})`, size: member.bytes.length, bytes: async () => member.bytes });
      }
      directories.push(...tar.directories);
    } else if (isZip(bytes)) {
      addZip(entries, directories, await readZip(inMemory(bytes), shownAs), bytes.length, shownAs);
    } else if (/\.(zip|tar|tar\.gz|tgz)$/i.test(lower)) {
      throw new DatasetFileError(shownAs, 'unknown-format', /\.zip$/i.test(lower) ? 'not a zip archive' : 'not a tar archive');
    } else {
      const opened = bytes;
      entries.push({ path: inner, shownAs, size: opened.length, bytes: async () => opened });
    }
    onProgress(start + share, `Read ${baseName(file.path)}`);
  }
  return { entries: entries.filter((entry) => !isJunkPath(entry.path)).sort(byPath), directories: directories.filter((dir) => !isJunkPath(dir)).sort() };
}
