// A tar reader (POSIX ustar, GNU long names, pax paths) for CIFAR's .tar.gz: the entries are views
// of the archive's bytes, never copies. A checksum that fails or an entry cut short is refused with
// the entry's name.
import { DatasetFileError, count } from './errors';

export interface TarContents {
  files: { path: string; bytes: Uint8Array }[];
  directories: string[];
}

const BLOCK = 512;

function text(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(start, end));
}

function octal(bytes: Uint8Array, start: number, length: number): number {
  // Large sizes are base-256: the high bit of the first byte set, the rest big-endian.
  if (bytes[start] & 0x80) {
    let value = bytes[start] & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + bytes[start + i];
    return value;
  }
  const digits = text(bytes, start, length).trim();
  return digits === '' ? 0 : parseInt(digits, 8);
}

function checksumMatches(bytes: Uint8Array, offset: number): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : bytes[offset + i];
  return sum === octal(bytes, offset + 148, 8);
}

/** Whether the bytes start with a tar header (its checksum holds). */
export function isTar(bytes: Uint8Array): boolean {
  return bytes.length >= BLOCK && !isZeroBlock(bytes, 0) && checksumMatches(bytes, 0);
}

function isZeroBlock(bytes: Uint8Array, offset: number): boolean {
  for (let i = offset; i < offset + BLOCK; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** pax extended header records: "LEN key=value\n". */
function paxPath(data: Uint8Array): string | undefined {
  const records = new TextDecoder().decode(data);
  let path: string | undefined;
  for (const line of records.split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(line);
    if (match) path = match[1];
  }
  return path;
}

export function readTar(bytes: Uint8Array, archive: string): TarContents {
  const files: TarContents['files'] = [];
  const directories: string[] = [];
  let longName: string | undefined;
  let offset = 0;
  let ended = false;
  while (offset + BLOCK <= bytes.length) {
    if (isZeroBlock(bytes, offset)) {
      ended = true;
      break;
    }
    if (!checksumMatches(bytes, offset)) {
      throw new DatasetFileError(archive, offset === 0 ? 'unknown-format' : 'truncated', offset === 0 ? 'not a tar archive' : `the tar header at byte ${count(offset)} is damaged`);
    }
    const size = octal(bytes, offset + 124, 12);
    const type = String.fromCharCode(bytes[offset + 156] || 0x30);
    const prefix = text(bytes, offset + 257, 6) === 'ustar' ? text(bytes, offset + 345, 155) : '';
    const headerName = prefix ? `${prefix}/${text(bytes, offset, 100)}` : text(bytes, offset, 100);
    const name = (longName ?? headerName).replace(/^\.\//, '');
    const start = offset + BLOCK;
    if (start + size > bytes.length) {
      throw new DatasetFileError(archive, 'truncated', `${name} is cut short at ${count(bytes.length - start)} of its ${count(size)} bytes: the archive is truncated`);
    }
    const data = bytes.subarray(start, start + size);
    longName = undefined;
    if (type === 'L') longName = text(data, 0, data.length);
    else if (type === 'x') longName = paxPath(data);
    else if (type === '5') directories.push(name.replace(/\/$/, ''));
    else if (type === '0' || type === '7') files.push({ path: name, bytes: data });
    // Links, devices and global pax headers hold no dataset file.
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  // Every tar writer ends with zero blocks: without them the archive was cut between two entries.
  if (!ended) throw new DatasetFileError(archive, 'truncated', `the tar archive stops at byte ${count(bytes.length)} without its end marker: it is truncated`);
  return { files, directories };
}
