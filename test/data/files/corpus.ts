// Small dataset files written by the tests themselves (never stored in the repository): tar,
// gzip and zip containers, a PNG encoder (store-only zlib, any of the five row filters), CIFAR
// records whose every byte is a known function of (record, channel, pixel), IDX and CSV.
import { fileFromBytes, type DatasetSource } from '../../../src/data/files/source';
import { gzip, idxBytes } from '../idxBytes';

export { gzip, idxBytes };

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const ascii = (text: string) => new TextEncoder().encode(text);

// ------------------------------------------------------------------ tar (ustar)

function tarHeader(path: string, size: number, type: '0' | '5'): Uint8Array {
  const header = new Uint8Array(512);
  header.set(ascii(path).subarray(0, 100), 0);
  header.set(ascii('0000644\0'), 100);
  header.set(ascii('0000000\0'), 108);
  header.set(ascii('0000000\0'), 116);
  header.set(ascii(`${size.toString(8).padStart(11, '0')}\0`), 124);
  header.set(ascii('00000000000\0'), 136);
  header.set(ascii('        '), 148);
  header[156] = type.charCodeAt(0);
  header.set(ascii('ustar\0'), 257);
  header.set(ascii('00'), 263);
  const sum = header.reduce((a, b) => a + b, 0);
  header.set(ascii(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
  return header;
}

export function tarBytes(files: { path: string; bytes: Uint8Array }[], directories: string[] = []): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const dir of directories) parts.push(tarHeader(`${dir}/`, 0, '5'));
  for (const file of files) {
    parts.push(tarHeader(file.path, file.bytes.length, '0'), file.bytes, new Uint8Array((512 - (file.bytes.length % 512)) % 512));
  }
  parts.push(new Uint8Array(1024));
  return concat(parts);
}

// ------------------------------------------------------------------ zip (stored, or deflated)

async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A zip entry as written: its name, method (0 stored, 8 deflate), data as stored, and the size and CRC it announces. */
export interface PreparedZipEntry {
  path: string;
  method: 0 | 8;
  data: Uint8Array;
  size: number;
  crc: number;
}

export async function zipBytes(files: { path: string; bytes: Uint8Array }[], options: { deflate?: boolean; directories?: string[] } = {}): Promise<Uint8Array> {
  const entries = [...(options.directories ?? []).map((dir) => ({ path: `${dir}/`, bytes: new Uint8Array(0) })), ...files];
  const prepared: PreparedZipEntry[] = [];
  for (const file of entries) {
    const method = options.deflate && file.bytes.length > 0 ? 8 : 0;
    prepared.push({ path: file.path, method, data: method === 8 ? await deflateRaw(file.bytes) : file.bytes, size: file.bytes.length, crc: crc32(file.bytes) });
  }
  return zipOfEntries(prepared);
}

/** A zip of entries already compressed (a bomb reuses one deflated stream for every entry). */
export function zipOfEntries(entries: readonly PreparedZipEntry[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const { path, method, data, size, crc } of entries) {
    const name = ascii(path);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const entry = new Uint8Array(46 + name.length);
    const cv = new DataView(entry.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    entry.set(name, 46);
    locals.push(local, data);
    central.push(entry);
    offset += local.length + data.length;
  }
  const directory = concat(central);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, directory.length, true);
  ev.setUint32(16, offset, true);
  return concat([...locals, directory, end]);
}

/** `size` zero bytes deflated, and their CRC, without holding them (written in 1 MB pieces). */
export async function deflatedZeros(size: number, format: 'deflate-raw' | 'gzip' = 'deflate-raw'): Promise<{ data: Uint8Array; crc: number }> {
  const piece = new Uint8Array(Math.min(size, 1 << 20));
  const stream = new ReadableStream<BufferSource>({
    start(controller) {
      for (let done = 0; done < size; done += piece.length) controller.enqueue(piece.subarray(0, Math.min(piece.length, size - done)));
      controller.close();
    },
  }).pipeThrough(new CompressionStream(format));
  let crc = 0xffffffff;
  for (let done = 0; done < size; done++) {
    // The CRC of zeros: one table step per byte (fast enough for the tens of MB the tests use).
    crc = CRC_TABLE[crc & 0xff] ^ (crc >>> 8);
  }
  return { data: new Uint8Array(await new Response(stream).arrayBuffer()), crc: (crc ^ 0xffffffff) >>> 0 };
}

// ------------------------------------------------------------------ PNG

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(ascii(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** zlib with stored (uncompressed) deflate blocks. */
function zlibStored(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [new Uint8Array([0x78, 0x01])];
  for (let at = 0; at < data.length || at === 0; at += 65535) {
    const block = data.subarray(at, Math.min(data.length, at + 65535));
    const last = at + 65535 >= data.length ? 1 : 0;
    const head = new Uint8Array(5);
    head[0] = last;
    new DataView(head.buffer).setUint16(1, block.length, true);
    new DataView(head.buffer).setUint16(3, ~block.length & 0xffff, true);
    parts.push(head, block);
    if (data.length === 0) break;
  }
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  const adler = new Uint8Array(4);
  new DataView(adler.buffer).setUint32(0, ((b << 16) | a) >>> 0);
  parts.push(adler);
  return concat(parts);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export interface PngSpec {
  width: number;
  height: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA */
  colourType: 0 | 2 | 3 | 4 | 6;
  bitDepth?: 1 | 2 | 4 | 8 | 16;
  /** The packed rows' bytes, without filter bytes. */
  rows: Uint8Array;
  palette?: Uint8Array;
  /** Row filter for row y (default: y % 5, so every filter is used). */
  filter?: (y: number) => number;
  interlaced?: boolean;
}

const SAMPLES = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;

export function pngBytes(spec: PngSpec): Uint8Array {
  const depth = spec.bitDepth ?? 8;
  const rowBytes = Math.ceil((spec.width * SAMPLES[spec.colourType] * depth) / 8);
  const bpp = Math.max(1, (SAMPLES[spec.colourType] * depth) >> 3);
  const filtered = new Uint8Array(spec.height * (rowBytes + 1));
  const rows = spec.rows;
  for (let y = 0; y < spec.height; y++) {
    const f = (spec.filter ?? ((row: number) => row % 5))(y);
    filtered[y * (rowBytes + 1)] = f;
    for (let x = 0; x < rowBytes; x++) {
      const raw = rows[y * rowBytes + x];
      const left = x >= bpp ? rows[y * rowBytes + x - bpp] : 0;
      const up = y > 0 ? rows[(y - 1) * rowBytes + x] : 0;
      const corner = y > 0 && x >= bpp ? rows[(y - 1) * rowBytes + x - bpp] : 0;
      const predicted = [0, left, up, (left + up) >> 1, paeth(left, up, corner)][f];
      filtered[y * (rowBytes + 1) + 1 + x] = (raw - predicted) & 0xff;
    }
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, spec.width);
  view.setUint32(4, spec.height);
  ihdr[8] = depth;
  ihdr[9] = spec.colourType;
  ihdr[12] = spec.interlaced ? 1 : 0;
  const signature = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return concat([signature, chunk('IHDR', ihdr), ...(spec.palette ? [chunk('PLTE', spec.palette)] : []), chunk('IDAT', zlibStored(filtered)), chunk('IEND', new Uint8Array(0))]);
}

/** An 8-bit grey or RGB PNG from pixel values. */
export function simplePng(width: number, height: number, channels: 1 | 3, pixel: (x: number, y: number, c: number) => number): Uint8Array {
  const rows = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) rows[(y * width + x) * channels + c] = pixel(x, y, c);
  return pngBytes({ width, height, colourType: channels === 1 ? 0 : 2, rows });
}

// ------------------------------------------------------------------ CIFAR

/** The byte of record r, channel c, pixel p (row-major in 32×32): every position distinct enough to catch a transposition. */
export const cifarPixel = (r: number, c: number, p: number) => (r * 31 + c * 67 + p * 3) & 255;
export const cifarLabel = (r: number, numClasses: number) => (r * 7) % numClasses;

/**
 * `count` records of CIFAR-10 (1 label byte) or CIFAR-100 (coarse, fine), labels cifarLabel(r),
 * pixels cifarPixel — or, with `noise`, random pixels that gzip cannot shrink (as photos: the real
 * archive is 163 MB for 170 MB of records).
 */
export function cifarBytes(count: number, variant: 10 | 100, firstRecord = 0, noise = false): Uint8Array {
  const labelBytes = variant === 10 ? 1 : 2;
  const record = labelBytes + 3072;
  const out = new Uint8Array(count * record);
  for (let i = 0; i < count; i++) {
    const r = firstRecord + i;
    const at = i * record;
    if (variant === 100) out[at] = cifarLabel(r, 100) % 20;
    out[at + labelBytes - 1] = cifarLabel(r, variant);
    if (!noise) for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[at + labelBytes + c * 1024 + p] = cifarPixel(r, c, p);
  }
  if (noise) {
    let state = 0x9e3779b9 ^ firstRecord;
    for (let i = 0; i < count; i++) {
      for (let j = i * record + labelBytes; j < (i + 1) * record; j++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        out[j] = state & 255;
      }
    }
  }
  return out;
}

export const CIFAR10_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** A cifar-10-binary.tar.gz of `perBatch` × 5 training and `testCount` test records, laid out as distributed. */
export async function cifar10Archive(perBatch: number, testCount: number, noise = false): Promise<Uint8Array> {
  const files = [1, 2, 3, 4, 5].map((b) => ({ path: `cifar-10-batches-bin/data_batch_${b}.bin`, bytes: cifarBytes(perBatch, 10, (b - 1) * perBatch, noise) }));
  files.push({ path: 'cifar-10-batches-bin/test_batch.bin', bytes: cifarBytes(testCount, 10, 5 * perBatch, noise) });
  files.push({ path: 'cifar-10-batches-bin/batches.meta.txt', bytes: ascii(`${CIFAR10_NAMES.join('\n')}\n\n`) });
  return gzip(tarBytes(files, ['cifar-10-batches-bin']));
}

// ------------------------------------------------------------------ sources

export function sourceOf(name: string, files: Record<string, Uint8Array>, directories?: string[]): DatasetSource {
  return { name, files: Object.entries(files).map(([path, bytes]) => fileFromBytes(path, bytes)), directories };
}

export function textBytes(text: string): Uint8Array {
  return ascii(text);
}
