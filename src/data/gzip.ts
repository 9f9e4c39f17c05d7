import { concatBytes } from './bytes';

/** No dataset file decompresses to more: MNIST's training images are 47 MB. */
export const MAX_GUNZIPPED_BYTES = 512 * 1024 * 1024;

/**
 * Gunzip with the platform's DecompressionStream (browsers, workers and Node >= 18), refusing
 * truncated or corrupt data and output beyond `maxBytes` (a small file can expand without bound).
 */
export async function gunzip(bytes: Uint8Array, name = 'gzip data', maxBytes = MAX_GUNZIPPED_BYTES): Promise<Uint8Array> {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      throw new Error(`${name}: the gzip data is truncated or corrupt`);
    }
    if (chunk.done) break;
    total += chunk.value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`${name}: decompresses to more than ${maxBytes} bytes, more than any dataset file holds`);
    }
    chunks.push(chunk.value);
  }
  return concatBytes(chunks);
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export async function maybeGunzip(bytes: Uint8Array, name?: string): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzip(bytes, name) : bytes;
}
