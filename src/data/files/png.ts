// A PNG decoder in plain TypeScript over the platform's zlib inflate, so image folders decode the
// same way in Node (tests, CLI) and in the worker: colour types grey, grey+alpha, RGB, RGBA and
// palette, bit depths 1–16 (16-bit keeps the high byte), the five row filters. Alpha is dropped
// (the colour under it is kept); Adam7-interlaced images are refused by name.
import { DatasetFileError, MAX_IMAGE_PIXELS, count } from './errors';
import { inflate, InflateError } from './inflate';

export interface DecodedImage {
  width: number;
  height: number;
  /** 1: grey, 3: RGB. */
  channels: 1 | 3;
  /** Row-major, channels innermost, 0..255. */
  data: Uint8Array;
}

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlaced: boolean;
  /** RGB triples of the palette (colour type 3). */
  palette: Uint8Array | null;
  /** Whether the pixels carry colour: RGB types, or a palette with a non-grey entry. */
  colour: boolean;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel of each colour type. */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

interface Chunks {
  header: PngHeader;
  idat: Uint8Array[];
}

function readChunks(bytes: Uint8Array, name: string, untilImageData: boolean): Chunks {
  if (!isPng(bytes)) throw new DatasetFileError(name, 'not-an-image', 'not a PNG image (no PNG signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: PngHeader | null = null;
  const idat: Uint8Array[] = [];
  let offset = 8;
  let ended = false;
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(bytes[offset + 4], bytes[offset + 5], bytes[offset + 6], bytes[offset + 7]);
    const start = offset + 8;
    if (start + length + 4 > bytes.length) break;
    const data = bytes.subarray(start, start + length);
    if (type === 'IHDR') {
      if (length < 13) throw new DatasetFileError(name, 'not-an-image', 'damaged PNG header (IHDR)');
      const chunk = new DataView(data.buffer, data.byteOffset, data.byteLength);
      const colourType = data[9];
      const bitDepth = data[8];
      header = { width: chunk.getUint32(0), height: chunk.getUint32(4), bitDepth, colourType, interlaced: data[12] === 1, palette: null, colour: colourType === 2 || colourType === 6 };
      if (!(colourType in SAMPLES) || !DEPTHS[colourType].includes(bitDepth)) {
        throw new DatasetFileError(name, 'not-an-image', `PNG colour type ${colourType} with bit depth ${bitDepth} is not a valid combination`);
      }
    } else if (type === 'PLTE' && header) {
      header.palette = data;
      if (header.colourType === 3) {
        for (let i = 0; i + 2 < data.length; i += 3) if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) header.colour = true;
      }
    } else if (type === 'IDAT') {
      if (untilImageData) break;
      idat.push(data);
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
    offset = start + length + 4;
  }
  if (!header) throw new DatasetFileError(name, 'truncated', 'the PNG ends before its header: the file is truncated');
  if (!untilImageData && !ended) throw new DatasetFileError(name, 'truncated', 'the PNG ends before its last chunk (IEND): the file is truncated');
  return { header, idat };
}

/** Size and colour from the chunks before the pixels: no inflating. */
export function readPngHeader(bytes: Uint8Array, name: string): PngHeader {
  return readChunks(bytes, name, true).header;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undo the row filters in place; returns the rows without their filter bytes. */
function unfilter(raw: Uint8Array, height: number, rowBytes: number, bpp: number, name: string): Uint8Array {
  const out = new Uint8Array(height * rowBytes);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (rowBytes + 1)];
    const row = raw.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1));
    const at = y * rowBytes;
    const up = at - rowBytes;
    switch (filter) {
      case 0:
        out.set(row, at);
        break;
      case 1:
        for (let x = 0; x < rowBytes; x++) out[at + x] = (row[x] + (x >= bpp ? out[at + x - bpp] : 0)) & 0xff;
        break;
      case 2:
        for (let x = 0; x < rowBytes; x++) out[at + x] = (row[x] + (y > 0 ? out[up + x] : 0)) & 0xff;
        break;
      case 3:
        for (let x = 0; x < rowBytes; x++) {
          const left = x >= bpp ? out[at + x - bpp] : 0;
          const above = y > 0 ? out[up + x] : 0;
          out[at + x] = (row[x] + ((left + above) >> 1)) & 0xff;
        }
        break;
      case 4:
        for (let x = 0; x < rowBytes; x++) {
          const left = x >= bpp ? out[at + x - bpp] : 0;
          const above = y > 0 ? out[up + x] : 0;
          const corner = y > 0 && x >= bpp ? out[up + x - bpp] : 0;
          out[at + x] = (row[x] + paeth(left, above, corner)) & 0xff;
        }
        break;
      default:
        throw new DatasetFileError(name, 'not-an-image', `damaged PNG data: row ${y} has filter type ${filter} (0–4 exist)`);
    }
  }
  return out;
}

export async function decodePng(bytes: Uint8Array, name: string): Promise<DecodedImage> {
  const { header, idat } = readChunks(bytes, name, false);
  const { width, height, bitDepth, colourType } = header;
  if (header.interlaced) throw new DatasetFileError(name, 'unsupported', 'interlaced (Adam7) PNGs are not supported: save the image without interlacing');
  if (width === 0 || height === 0) throw new DatasetFileError(name, 'not-an-image', `the PNG is ${width}×${height} pixels`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new DatasetFileError(name, 'too-large', `${width}×${height} pixels, more than the ${count(MAX_IMAGE_PIXELS)} the lab decodes in one image`);
  }
  if (colourType === 3 && !header.palette) throw new DatasetFileError(name, 'not-an-image', 'a palette PNG without its palette (PLTE)');
  const samples = SAMPLES[colourType];
  const rowBytes = Math.ceil((width * samples * bitDepth) / 8);
  const expected = height * (rowBytes + 1);
  let raw: Uint8Array;
  try {
    let compressed = idat.length === 1 ? idat[0] : new Uint8Array(idat.reduce((n, part) => n + part.length, 0));
    if (idat.length > 1) {
      let at = 0;
      for (const part of idat) {
        compressed.set(part, at);
        at += part.length;
      }
    }
    raw = await inflate(compressed, 'deflate', { maxBytes: expected, expectedBytes: expected });
    compressed = new Uint8Array(0);
  } catch (error) {
    if (!(error instanceof InflateError)) throw error;
    throw new DatasetFileError(name, 'not-an-image', 'damaged PNG data (the pixel data does not inflate)');
  }
  if (raw.length !== expected) {
    throw new DatasetFileError(name, 'truncated', `the PNG's pixel data holds ${count(raw.length)} of the ${count(expected)} bytes its size needs: the file is truncated`);
  }
  const rows = unfilter(raw, height, rowBytes, Math.max(1, (samples * bitDepth) >> 3), name);
  return toPixels(rows, header, rowBytes);
}

/** Unfiltered rows -> 8-bit grey or RGB, alpha dropped, palettes looked up. */
function toPixels(rows: Uint8Array, header: PngHeader, rowBytes: number): DecodedImage {
  const { width, height, bitDepth, colourType, palette } = header;
  const samples = SAMPLES[colourType];
  const channels: 1 | 3 = header.colour ? 3 : 1;
  const data = new Uint8Array(width * height * channels);
  // Sample s of pixel x on row y, scaled to 0..255 (palette indices are returned unscaled).
  const sampleAt = (y: number, index: number): number => {
    const at = y * rowBytes;
    if (bitDepth === 8) return rows[at + index];
    if (bitDepth === 16) return rows[at + 2 * index];
    const perByte = 8 / bitDepth;
    const byte = rows[at + Math.floor(index / perByte)];
    const shift = 8 - bitDepth * (1 + (index % perByte));
    const value = (byte >> shift) & ((1 << bitDepth) - 1);
    return colourType === 3 ? value : Math.round((value * 255) / ((1 << bitDepth) - 1));
  };
  let o = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const first = x * samples;
      if (colourType === 3) {
        const entry = sampleAt(y, first) * 3;
        if (channels === 3) {
          data[o++] = palette![entry] ?? 0;
          data[o++] = palette![entry + 1] ?? 0;
          data[o++] = palette![entry + 2] ?? 0;
        } else data[o++] = palette![entry] ?? 0;
      } else if (channels === 1) data[o++] = sampleAt(y, first);
      else {
        data[o++] = sampleAt(y, first);
        data[o++] = sampleAt(y, first + 1);
        data[o++] = sampleAt(y, first + 2);
      }
    }
  }
  return { width, height, channels, data };
}
