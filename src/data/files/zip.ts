// A zip reader for image folders: the central directory read from the archive's end, each entry
// read and inflated only when its bytes are asked for (raw deflate on the platform's
// DecompressionStream); a picked file is read by byte ranges, never whole. Encrypted, ZIP64 and
// other compression methods are refused by name.
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

/** Where the archive's bytes are read from: a byte range at a time (a File's slice), never whole. */
export interface RandomAccess {
  size: number;
  slice(start: number, end: number): Promise<Uint8Array>;
}

/** Bytes in memory as a RandomAccess. */
export function inMemory(bytes: Uint8Array): RandomAccess {
  return { size: bytes.length, slice: async (start, end) => bytes.subarray(start, end) };
}

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function findEndOfDirectory(tail: DataView): number {
  const last = tail.byteLength - 22;
  for (let offset = last; offset >= Math.max(0, last - 65535); offset--) {
    if (tail.getUint32(offset, true) === END_OF_DIRECTORY) return offset;
  }
  return -1;
}

/**
 * The directory of a zip, read from its end (a comment is at most 65,535 bytes) without reading the
 * entries: a bomb is judged by what its directory announces before anything is inflated.
 */
export async function readZip(archiveBytes: RandomAccess, archive: string): Promise<ZipContents> {
  const tailStart = Math.max(0, archiveBytes.size - 22 - 65535);
  const tail = view(await archiveBytes.slice(tailStart, archiveBytes.size));
  const endInTail = tail.byteLength >= 22 ? findEndOfDirectory(tail) : -1;
  if (endInTail < 0) throw new DatasetFileError(archive, 'truncated', 'the zip archive has no central directory at its end: it is truncated or damaged');
  const end = tailStart + endInTail;
  const entries = tail.getUint16(endInTail + 10, true);
  const directorySize = tail.getUint32(endInTail + 12, true);
  const directoryOffset = tail.getUint32(endInTail + 16, true);
  if (entries === 0xffff || directoryOffset === 0xffffffff) {
    throw new DatasetFileError(archive, 'unsupported', 'ZIP64 archives (over 4 GB or 65,535 files) are not supported: zip fewer images or give the folder');
  }
  if (directoryOffset + directorySize > end) throw new DatasetFileError(archive, 'truncated', 'the zip central directory lies outside the file: it is truncated or damaged');
  const directory = await archiveBytes.slice(directoryOffset, directoryOffset + directorySize);
  const dir = view(directory);
  const decoder = new TextDecoder();
  const files: ZipEntry[] = [];
  const directories: string[] = [];
  let offset = 0;
  for (let i = 0; i < entries; i++) {
    if (offset + 46 > directory.length || dir.getUint32(offset, true) !== DIRECTORY_ENTRY) {
      throw new DatasetFileError(archive, 'truncated', `zip directory entry ${i + 1} of ${entries} is damaged`);
    }
    const flags = dir.getUint16(offset + 8, true);
    const method = dir.getUint16(offset + 10, true);
    const compressedSize = dir.getUint32(offset + 20, true);
    const size = dir.getUint32(offset + 24, true);
    const nameLength = dir.getUint16(offset + 28, true);
    const extraLength = dir.getUint16(offset + 30, true);
    const commentLength = dir.getUint16(offset + 32, true);
    const localOffset = dir.getUint32(offset + 42, true);
    const path = decoder.decode(directory.subarray(offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
    if (path.endsWith('/')) {
      directories.push(path.slice(0, -1));
      continue;
    }
    if (flags & 1) throw new DatasetFileError(`${path} (in ${archive})`, 'unsupported', 'the entry is encrypted; zip it without a password');
    if (method !== 0 && method !== 8) {
      throw new DatasetFileError(`${path} (in ${archive})`, 'unsupported', `zip compression method ${method} is not supported (only stored and deflate)`);
    }
    files.push({ path, size, compressedSize, bytes: () => entryBytes(archiveBytes, { path, method, compressedSize, size, localOffset }, archive) });
  }
  return { files, directories };
}

async function entryBytes(
  archiveBytes: RandomAccess,
  entry: { path: string; method: number; compressedSize: number; size: number; localOffset: number },
  archive: string,
): Promise<Uint8Array> {
  const shownAs = `${entry.path} (in ${archive})`;
  const { localOffset } = entry;
  const header = await archiveBytes.slice(localOffset, localOffset + 30);
  if (header.length < 30 || view(header).getUint32(0, true) !== LOCAL_HEADER) {
    throw new DatasetFileError(shownAs, 'truncated', 'its local zip header is missing: the archive is damaged');
  }
  const start = localOffset + 30 + view(header).getUint16(26, true) + view(header).getUint16(28, true);
  if (start + entry.compressedSize > archiveBytes.size) {
    throw new DatasetFileError(shownAs, 'truncated', `its data is cut short at ${count(Math.max(0, archiveBytes.size - start))} of ${count(entry.compressedSize)} bytes: the archive is truncated`);
  }
  const data = await archiveBytes.slice(start, start + entry.compressedSize);
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
