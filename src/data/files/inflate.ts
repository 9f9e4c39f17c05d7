// Decompression on the platform's DecompressionStream (Node >= 18, browsers, workers): gzip for
// .gz and .tar.gz, zlib ('deflate') for PNG, raw deflate for zip entries. The input is fed in
// chunks so a 160 MB archive reports progress, and the output is written into one array of the
// size the container announces when it does (gzip's trailer, a zip entry, a PNG's rows), so it
// is not held twice.
import { concatBytes } from '../bytes';

export type CompressionFormat = 'gzip' | 'deflate' | 'deflate-raw';

export interface InflateOptions {
  /** Refuse output beyond this: a small file can expand without bound. */
  maxBytes: number;
  /** The size the container announces; a hint, the data decides. */
  expectedBytes?: number;
  /** 0..1 of the input consumed. */
  onProgress?: (fraction: number) => void;
  /**
   * Refuse output beyond this many times the compressed size (once past BOMB_FLOOR_BYTES): real
   * dataset files expand a few times, a bomb of zeros a thousand.
   */
  maxRatio?: number;
}

/**
 * Output below this is never called a bomb, whatever its ratio. Small enough that refusing one
 * leaves little to collect (the renderer is measured back near its baseline 5 s after).
 */
export const BOMB_FLOOR_BYTES = 8 * 1024 ** 2;

/** Whether `outputBytes` from `inputBytes` of compressed data is more expansion than a dataset file shows. */
export function expandsLikeBomb(outputBytes: number, inputBytes: number, maxRatio: number): boolean {
  return outputBytes > BOMB_FLOOR_BYTES && outputBytes > maxRatio * Math.max(1, inputBytes);
}

export class InflateError extends Error {
  constructor(readonly reason: 'corrupt' | 'too-large' | 'ratio') {
    super(reason);
  }
}

/**
 * The decompressor inflates each piece it is fed in one go, whatever the reader has taken: a 1 MB
 * piece of zeros is 1 GB at once. Pieces are 16 kB (16 MB at worst), and 1 kB once a ratio-bound
 * stream's output runs far ahead of its input, so a bomb is refused within a megabyte of its limit.
 */
const FEED_PIECE = 16 * 1024;
const CAUTIOUS_PIECE = 1024;
/** Past this ratio of output to input so far, pieces shrink to CAUTIOUS_PIECE. */
const CAUTION_RATIO = 8;

/** Compressed input: bytes in memory, or a stream of them (a file read as it is decompressed) and its size. */
export type CompressedInput = Uint8Array | { stream: ReadableStream<Uint8Array>; size: number };

export async function inflate(input: CompressedInput, format: CompressionFormat, options: InflateOptions): Promise<Uint8Array> {
  const stream = new DecompressionStream(format);
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const inputBytes = input instanceof Uint8Array ? input.length : input.size;
  let fed = 0;
  let total = 0;
  const feed = async (bytes: Uint8Array) => {
    for (let offset = 0; offset < bytes.length; ) {
      // Only a stream held to a ratio can be a bomb still growing; a PNG's rows or a zip entry stop at the size they announce.
      const piece = options.maxRatio !== undefined && total > CAUTION_RATIO * Math.max(fed, 1) ? CAUTIOUS_PIECE : FEED_PIECE;
      const end = Math.min(bytes.length, offset + piece);
      await writer.write(bytes.subarray(offset, end) as Uint8Array<ArrayBuffer>);
      fed += end - offset;
      offset = end;
    }
  };
  const feeding = (async () => {
    if (input instanceof Uint8Array) {
      for (let offset = 0; offset < input.length; offset += 1 << 20) {
        const end = Math.min(input.length, offset + (1 << 20));
        await feed(input.subarray(offset, end));
        options.onProgress?.(end / input.length);
      }
    } else {
      const source = input.stream.getReader();
      let read = 0;
      for (;;) {
        const chunk = await source.read();
        if (chunk.done) break;
        await feed(chunk.value);
        read += chunk.value.length;
        options.onProgress?.(Math.min(1, read / (input.size || 1)));
      }
    }
    await writer.close();
  })();
  // A corrupt stream rejects both sides; the reading side reports it.
  feeding.catch(() => {});
  // An announced size is a hint from the file: trusted only as far as the stream would be allowed to
  // go (a bomb's gzip trailer announcing 200 MB made Chromium commit 200 MB before the first byte).
  const allowed = Math.min(options.maxBytes, options.maxRatio === undefined ? Infinity : Math.max(BOMB_FLOOR_BYTES, options.maxRatio * inputBytes));
  const hint = options.expectedBytes !== undefined && options.expectedBytes <= allowed ? options.expectedBytes : 0;
  let out = hint > 0 ? new Uint8Array(hint) : null;
  const spill: Uint8Array[] = [];
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      throw new InflateError('corrupt');
    }
    if (chunk.done) break;
    const piece = chunk.value;
    const tooLarge = total + piece.length > options.maxBytes;
    if (tooLarge || (options.maxRatio !== undefined && expandsLikeBomb(total + piece.length, inputBytes, options.maxRatio))) {
      // Stop decompressing at once: what came so far is dropped with the stream.
      await reader.cancel().catch(() => {});
      throw new InflateError(tooLarge ? 'too-large' : 'ratio');
    }
    if (out && total + piece.length <= out.length) out.set(piece, total);
    else {
      if (out) {
        // The announced size was wrong: keep what came so far and go on in pieces.
        spill.push(out.subarray(0, total));
        out = null;
      }
      spill.push(piece);
    }
    total += piece.length;
  }
  await feeding.catch(() => {
    throw new InflateError('corrupt');
  });
  if (out) return total === out.length ? out : out.subarray(0, total);
  return concatBytes(spill);
}

/** gzip's trailer (its last 4 bytes) holds the uncompressed size modulo 2^32: a size hint for one-member files. */
export function gzipSizeHint(tail: Uint8Array): number | undefined {
  if (tail.length < 4) return undefined;
  const n = tail.length;
  return (tail[n - 4] | (tail[n - 3] << 8) | (tail[n - 2] << 16) | (tail[n - 1] << 24)) >>> 0;
}

/** The first `length` decompressed bytes of gzip data (to recognise what it holds), or null when corrupt. */
export async function gunzipStart(bytes: Uint8Array, length: number): Promise<Uint8Array | null> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < length) {
      const chunk = await reader.read();
      if (chunk.done) break;
      parts.push(chunk.value);
      total += chunk.value.length;
    }
  } catch {
    return null;
  } finally {
    await reader.cancel().catch(() => {});
  }
  return concatBytes(parts).subarray(0, length);
}
