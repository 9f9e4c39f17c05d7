import { inflate, InflateError } from './files/inflate';

/** No dataset file decompresses to more: MNIST's training images are 47 MB. */
export const MAX_GUNZIPPED_BYTES = 512 * 1024 * 1024;

/**
 * Gunzip with the platform's DecompressionStream (browsers, workers and Node >= 18; the shared
 * files/inflate.ts), refusing truncated or corrupt data and output beyond `maxBytes` (a small file
 * can expand without bound).
 */
export async function gunzip(bytes: Uint8Array, name = 'gzip data', maxBytes = MAX_GUNZIPPED_BYTES): Promise<Uint8Array> {
  try {
    return await inflate(bytes, 'gzip', { maxBytes });
  } catch (error) {
    if (!(error instanceof InflateError)) throw error;
    if (error.reason === 'too-large') throw new Error(`${name}: decompresses to more than ${maxBytes} bytes, more than any dataset file holds`);
    throw new Error(`${name}: the gzip data is truncated or corrupt`);
  }
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export async function maybeGunzip(bytes: Uint8Array, name?: string): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzip(bytes, name) : bytes;
}
