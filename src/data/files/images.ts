// Images of a folder dataset: what a file is (from its first bytes, never its extension), its
// size and colour from the header alone (to choose the dataset's size before decoding anything),
// decoding (PNG here, JPEG through the pure-JS jpeg-js, loaded on first use; a caller may inject
// its own decoder, e.g. createImageBitmap in the worker), and resizing: area averaging to shrink,
// bilinear (pixel centres aligned) to enlarge, per axis.
import { DatasetFileError } from './errors';
import { decodePng, isPng, readPngHeader, type DecodedImage } from './png';

export type { DecodedImage } from './png';

/** Decodes one PNG or JPEG file to 8-bit grey or RGB. */
export type ImageDecoder = (bytes: Uint8Array, name: string) => Promise<DecodedImage>;

export interface ImageHeader {
  format: 'png' | 'jpeg';
  width: number;
  height: number;
  colour: boolean;
}

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Other formats a user may have, to say what the file is rather than "unknown". */
function otherFormat(bytes: Uint8Array): string | null {
  const ascii = new TextDecoder('latin1').decode(bytes.subarray(0, 12));
  if (ascii.startsWith('GIF8')) return 'a GIF image';
  if (ascii.startsWith('BM')) return 'a BMP image';
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return 'a WebP image';
  if (ascii.startsWith('II*\0') || ascii.startsWith('MM\0*')) return 'a TIFF image';
  return null;
}

/** Refusal for a file in a class folder that is no PNG or JPEG. */
export function notAnImage(bytes: Uint8Array, name: string): DatasetFileError {
  const other = otherFormat(bytes);
  return new DatasetFileError(name, 'not-an-image', other ? `${other}; the lab reads PNG and JPEG images` : 'not a PNG or JPEG image');
}

/** JPEG's frame header (SOF): size and component count, without decoding. */
function readJpegHeader(bytes: Uint8Array, name: string): ImageHeader {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) {
      offset++;
      continue;
    }
    const marker = bytes[offset + 1];
    if (marker === 0xff || marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += marker === 0xff ? 1 : 2;
      continue;
    }
    const length = (bytes[offset + 2] << 8) | bytes[offset + 3];
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame && offset + 10 <= bytes.length) {
      const height = (bytes[offset + 5] << 8) | bytes[offset + 6];
      const width = (bytes[offset + 7] << 8) | bytes[offset + 8];
      return { format: 'jpeg', width, height, colour: bytes[offset + 9] >= 3 };
    }
    if (marker === 0xda || marker === 0xd9) break;
    offset += 2 + length;
  }
  throw new DatasetFileError(name, 'truncated', 'the JPEG has no frame header (SOF) before its image data: the file is truncated or damaged');
}

export function readImageHeader(bytes: Uint8Array, name: string): ImageHeader {
  if (isPng(bytes)) {
    const header = readPngHeader(bytes, name);
    return { format: 'png', width: header.width, height: header.height, colour: header.colour };
  }
  if (isJpeg(bytes)) return readJpegHeader(bytes, name);
  throw notAnImage(bytes, name);
}

/** PNG by the lab's decoder, JPEG by jpeg-js (loaded when the first JPEG comes). */
export const decodeImage: ImageDecoder = async (bytes, name) => {
  if (isPng(bytes)) return decodePng(bytes, name);
  if (!isJpeg(bytes)) throw notAnImage(bytes, name);
  const header = readJpegHeader(bytes, name);
  // A CommonJS package: bundlers may hand its exports over as the default export only.
  const jpeg = await import('jpeg-js');
  const decode = jpeg.decode ?? (jpeg as unknown as { default: typeof jpeg }).default.decode;
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 256 });
  } catch (error) {
    throw new DatasetFileError(name, 'not-an-image', `the JPEG cannot be decoded (${error instanceof Error ? error.message : String(error)})`);
  }
  // jpeg-js always writes RGB; a one-component JPEG stays grey.
  if (header.colour) return { width: decoded.width, height: decoded.height, channels: 3, data: decoded.data };
  const grey = new Uint8Array(decoded.width * decoded.height);
  for (let i = 0; i < grey.length; i++) grey[i] = decoded.data[3 * i];
  return { width: decoded.width, height: decoded.height, channels: 1, data: grey };
};

/** For each output position along one axis: the source positions and their weights. */
interface AxisWeights {
  /** starts[i]..starts[i+1] index into sources and weights. */
  starts: Int32Array;
  sources: Int32Array;
  weights: Float32Array;
}

function axisWeights(from: number, to: number): AxisWeights {
  const starts = new Int32Array(to + 1);
  const sources: number[] = [];
  const weights: number[] = [];
  const scale = from / to;
  for (let i = 0; i < to; i++) {
    starts[i] = sources.length;
    if (to < from) {
      // Area: the source interval [i·scale, (i+1)·scale) averaged, partial pixels by their overlap.
      const lo = i * scale;
      const hi = (i + 1) * scale;
      for (let j = Math.floor(lo); j < Math.min(from, Math.ceil(hi)); j++) {
        const overlap = Math.min(hi, j + 1) - Math.max(lo, j);
        if (overlap > 1e-9) {
          sources.push(j);
          weights.push(overlap / scale);
        }
      }
    } else {
      // Bilinear between the two nearest source centres (identity when the sizes agree).
      const x = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), from - 1);
      const j = Math.floor(x);
      const f = x - j;
      sources.push(j);
      weights.push(1 - f);
      if (f > 0) {
        sources.push(Math.min(j + 1, from - 1));
        weights.push(f);
      }
    }
  }
  starts[to] = sources.length;
  return { starts, sources: Int32Array.from(sources), weights: Float32Array.from(weights) };
}

const weightCache = new Map<string, AxisWeights>();
function cachedWeights(from: number, to: number): AxisWeights {
  const key = `${from}>${to}`;
  let weights = weightCache.get(key);
  if (!weights) {
    if (weightCache.size > 256) weightCache.clear();
    weights = axisWeights(from, to);
    weightCache.set(key, weights);
  }
  return weights;
}

/**
 * Write `image` resized to height × width with `channels` channels (grey is repeated into RGB)
 * into `out` at `offset`, as bytes rounded from the resampled values.
 */
export function resizeInto(image: DecodedImage, height: number, width: number, channels: 1 | 3, out: Uint8Array, offset: number): void {
  const c = image.channels;
  if (image.width === width && image.height === height && c === channels) {
    out.set(image.data, offset);
    return;
  }
  const across = cachedWeights(image.width, width);
  const down = cachedWeights(image.height, height);
  // Rows first: image.height × width × c floats.
  const rows = new Float32Array(image.height * width * c);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < width; x++) {
      for (let k = across.starts[x]; k < across.starts[x + 1]; k++) {
        const source = (y * image.width + across.sources[k]) * c;
        const weight = across.weights[k];
        const target = (y * width + x) * c;
        for (let ch = 0; ch < c; ch++) rows[target + ch] += weight * image.data[source + ch];
      }
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const target = offset + (y * width + x) * channels;
      for (let ch = 0; ch < channels; ch++) {
        let value = 0;
        const from = Math.min(ch, c - 1);
        for (let k = down.starts[y]; k < down.starts[y + 1]; k++) value += down.weights[k] * rows[(down.sources[k] * width + x) * c + from];
        out[target + ch] = Math.min(255, Math.max(0, Math.round(value)));
      }
    }
  }
}
