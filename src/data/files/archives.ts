// Opening what the user gave into the dataset's files: a .tar.gz or .tgz (CIFAR), a .tar, a .zip
// (an image folder), a single .gz (an IDX or CSV file), or loose files and folders as they are.
// Messages name a file inside an archive as "inner/path (in archive.zip)".
import { isGzip } from '../gzip';
import { DatasetFileError, count } from './errors';
import { gzipSizeHint, inflate, InflateError, type CompressedInput } from './inflate';
import { isTar, readTar } from './tar';
import { isZip, readZip } from './zip';
import { baseName, isJunkPath, type DatasetEntry, type DatasetSource } from './source';

/** No archive in the lab decompresses to more: CIFAR-10's tar is 184 MB, the limit on a dataset's pixels 512 MB. */
export const MAX_DECOMPRESSED_BYTES = 1024 ** 3;

export async function gunzipEntry(input: CompressedInput, shownAs: string, onProgress?: (fraction: number) => void, sizeHint?: number): Promise<Uint8Array> {
  try {
    return await inflate(input, 'gzip', { maxBytes: MAX_DECOMPRESSED_BYTES, expectedBytes: sizeHint ?? (input instanceof Uint8Array ? gzipSizeHint(input) : undefined), onProgress });
  } catch (error) {
    if (!(error instanceof InflateError)) throw error;
    if (error.reason === 'too-large') {
      throw new DatasetFileError(shownAs, 'too-large', `decompresses to more than ${count(MAX_DECOMPRESSED_BYTES / 1024 ** 2)} MB, more than any dataset the lab loads`);
    }
    throw new DatasetFileError(shownAs, 'truncated', 'the gzip data is truncated or damaged');
  }
}

export interface OpenedSource {
  entries: DatasetEntry[];
  directories: string[];
}

const memo = (read: () => Promise<Uint8Array>) => {
  let promise: Promise<Uint8Array> | null = null;
  return () => (promise ??= read());
};

/** Every file of the source with archives opened; `onProgress` is 0..1 over the reading and decompressing. */
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
    // Archives are recognised by name and opened now; other files are read only when a format asks.
    if (!/\.(tar\.gz|tgz|tar|zip)$/i.test(lower) && !(files.length === 1 && /\.gz$/.test(lower))) {
      entries.push({ path: file.path, shownAs, size: file.size, bytes: read });
      continue;
    }
    onProgress(start, `Reading ${baseName(file.path)}`);
    const decompressing = (f: number) => onProgress(start + share * f, `Decompressing ${baseName(file.path)}`);
    let bytes: Uint8Array;
    let inner = file.path;
    const head = file.slice ? await file.slice(0, 3) : await read();
    if (isGzip(head)) {
      // Streamed when the file can be: 160 MB of compressed bytes are never held (fresh memory is slow to touch).
      bytes =
        file.stream && file.slice
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
      const zip = readZip(bytes, shownAs);
      for (const member of zip.files) {
        entries.push({ path: member.path, shownAs: `${member.path} (in ${baseName(file.path)})`, size: member.size, bytes: memo(member.bytes) });
      }
      directories.push(...zip.directories);
    } else if (/\.(zip|tar|tar\.gz|tgz)$/i.test(lower)) {
      throw new DatasetFileError(shownAs, 'unknown-format', /\.zip$/i.test(lower) ? 'not a zip archive' : 'not a tar archive');
    } else {
      const opened = bytes;
      entries.push({ path: inner, shownAs, size: opened.length, bytes: async () => opened });
    }
    onProgress(start + share, `Read ${baseName(file.path)}`);
  }
  return { entries: entries.filter((entry) => !isJunkPath(entry.path)), directories: directories.filter((dir) => !isJunkPath(dir)) };
}
