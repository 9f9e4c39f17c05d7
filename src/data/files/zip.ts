// A zip reader for image folders: the central directory read at once, each entry inflated only
// when its bytes are asked for (raw deflate on the platform's DecompressionStream), stored
// entries as views. Encrypted, ZIP64 and other compression methods are refused by name.
import { DatasetFileError, count } from './errors';
import { inflate, InflateError } from './inflate';

export interface ZipEntry {
  path: string;
  /** The size the directory announces: the entry is never inflated past it. */
  size: number;
  /** Its bytes in the archive (stored or deflated). */
  compressedSize: number;
  bytes(): Promise<Uint8Array>;
}

export interface ZipContents {
  files: ZipEntry[];
  directories: string[];
}

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

function findEndOfDirectory(view: DataView): number {
  const last = view.byteLength - 22;
  for (let offset = last; offset >= Math.max(0, last - 65535); offset--) {
    if (view.getUint32(offset, true) === END_OF_DIRECTORY) return offset;
  }
  return -1;
}

export function readZip(bytes: Uint8Array, archive: string): ZipContents {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length >= 22 ? findEndOfDirectory(view) : -1;
  if (end < 0) throw new DatasetFileError(archive, 'truncated', 'the zip archive has no central directory at its end: it is truncated or damaged');
  const entries = view.getUint16(end + 10, true);
  const directorySize = view.getUint32(end + 12, true);
  const directoryOffset = view.getUint32(end + 16, true);
  if (entries === 0xffff || directoryOffset === 0xffffffff) {
    throw new DatasetFileError(archive, 'unsupported', 'ZIP64 archives (over 4 GB or 65,535 files) are not supported: zip fewer images or give the folder');
  }
  if (directoryOffset + directorySize > end) throw new DatasetFileError(archive, 'truncated', 'the zip central directory lies outside the file: it is truncated or damaged');
  const decoder = new TextDecoder();
  const files: ZipEntry[] = [];
  const directories: string[] = [];
  let offset = directoryOffset;
  for (let i = 0; i < entries; i++) {
    if (offset + 46 > end || view.getUint32(offset, true) !== DIRECTORY_ENTRY) {
      throw new DatasetFileError(archive, 'truncated', `zip directory entry ${i + 1} of ${entries} is damaged`);
    }
    const flags = view.getUint16(offset + 8, true);
    const method = view.getUint16(offset + 10, true);
    const compressedSize = view.getUint32(offset + 20, true);
    const size = view.getUint32(offset + 24, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const localOffset = view.getUint32(offset + 42, true);
    const path = decoder.decode(bytes.subarray(offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
    if (path.endsWith('/')) {
      directories.push(path.slice(0, -1));
      continue;
    }
    if (flags & 1) throw new DatasetFileError(`${path} (in ${archive})`, 'unsupported', 'the entry is encrypted; zip it without a password');
    if (method !== 0 && method !== 8) {
      throw new DatasetFileError(`${path} (in ${archive})`, 'unsupported', `zip compression method ${method} is not supported (only stored and deflate)`);
    }
    files.push({ path, size, compressedSize, bytes: () => entryBytes(bytes, view, { path, method, compressedSize, size, localOffset }, archive) });
  }
  return { files, directories };
}

async function entryBytes(
  bytes: Uint8Array,
  view: DataView,
  entry: { path: string; method: number; compressedSize: number; size: number; localOffset: number },
  archive: string,
): Promise<Uint8Array> {
  const shownAs = `${entry.path} (in ${archive})`;
  const { localOffset } = entry;
  if (localOffset + 30 > bytes.length || view.getUint32(localOffset, true) !== LOCAL_HEADER) {
    throw new DatasetFileError(shownAs, 'truncated', 'its local zip header is missing: the archive is damaged');
  }
  const start = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
  if (start + entry.compressedSize > bytes.length) {
    throw new DatasetFileError(shownAs, 'truncated', `its data is cut short at ${count(Math.max(0, bytes.length - start))} of ${count(entry.compressedSize)} bytes: the archive is truncated`);
  }
  const data = bytes.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return data;
  try {
    const out = await inflate(data, 'deflate-raw', { maxBytes: entry.size, expectedBytes: entry.size });
    if (out.length !== entry.size) throw new InflateError('corrupt');
    return out;
  } catch (error) {
    if (!(error instanceof InflateError)) throw error;
    throw new DatasetFileError(shownAs, 'truncated', `its deflate data is damaged (it does not inflate to the ${count(entry.size)} bytes the archive announces)`);
  }
}
