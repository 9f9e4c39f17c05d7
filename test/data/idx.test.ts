// The IDX format (MNIST, Fashion-MNIST) and its gzip wrapping, on files built in the test.
import { describe, expect, it } from 'vitest';
import { idxToImageSet, parseIdx } from '../../src/data/idx';
import { gunzip, isGzip, maybeGunzip } from '../../src/data/gzip';
import { gzip, idxBytes } from './idxBytes';

describe('parseIdx', () => {
  it('reads big-endian dims and the data that follows the header', () => {
    // 300 > 255 checks the big-endian reading of a dimension that needs two bytes.
    const data = Array.from({ length: 300 * 2 }, (_, i) => i % 256);
    const parsed = parseIdx(idxBytes([300, 2], data));
    expect(parsed.dims).toEqual([300, 2]);
    expect(Array.from(parsed.data)).toEqual(data);
  });

  it('works on a view into a larger buffer (byteOffset != 0)', () => {
    const file = idxBytes([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    const container = new Uint8Array(file.length + 10);
    container.set(file, 7);
    const parsed = parseIdx(container.subarray(7, 7 + file.length));
    expect(parsed.dims).toEqual([2, 2, 2]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('refuses a bad magic number', () => {
    const file = idxBytes([2], [1, 2]);
    file[0] = 0x1f;
    expect(() => parseIdx(file, 'train images')).toThrow(/train images: not an IDX file \(bad magic number\)/);
  });

  it('refuses element types other than unsigned bytes', () => {
    expect(() => parseIdx(idxBytes([2], [1, 2], 0x0d))).toThrow(/element type 0xd is not supported/);
  });

  it('refuses a file shorter than its header or its data', () => {
    expect(() => parseIdx(new Uint8Array([0, 0]))).toThrow(/too short/);
    expect(() => parseIdx(idxBytes([3, 4], new Array(12).fill(0)).subarray(0, 10))).toThrow(/truncated IDX header/);
    const file = idxBytes([3, 4], new Array(12).fill(1));
    expect(() => parseIdx(file.subarray(0, file.length - 1), 'labels')).toThrow(/labels: header promises 12 values for dims \[3, 4\], file has 11/);
    expect(() => parseIdx(idxBytes([3, 4], new Array(13).fill(1)))).toThrow(/promises 12 values/);
  });
});

describe('idxToImageSet', () => {
  const images = parseIdx(idxBytes([3, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8]));

  it('scales pixels to [0, 1] and keeps labels in order', () => {
    const set = idxToImageSet(images, parseIdx(idxBytes([3], [9, 0, 4])), 10);
    expect(set.count).toBe(3);
    expect(set.shape).toEqual([2, 2, 1]);
    expect(Array.from(set.labels)).toEqual([9, 0, 4]);
    expect(set.images[0]).toBe(0);
    expect(set.images[1]).toBe(1);
    expect(set.images[2]).toBeCloseTo(0.2, 6);
    expect(set.images[3]).toBeCloseTo(0.4, 6);
    expect(set.images).toHaveLength(12);
  });

  it('takes the channel count from a fourth dimension', () => {
    const rgb = parseIdx(idxBytes([1, 2, 2, 3], new Array(12).fill(255)));
    expect(idxToImageSet(rgb, parseIdx(idxBytes([1], [2])), 3).shape).toEqual([2, 2, 3]);
  });

  it('refuses a label count that differs from the image count', () => {
    expect(() => idxToImageSet(images, parseIdx(idxBytes([2], [0, 1])), 10)).toThrow(/images hold 3 samples but labels hold 2/);
  });

  it('refuses a label out of range for the class count', () => {
    expect(() => idxToImageSet(images, parseIdx(idxBytes([3], [0, 10, 1])), 10)).toThrow(/label 10 at index 1 is out of range for 10 classes/);
  });

  it('refuses files with the wrong number of dimensions', () => {
    expect(() => idxToImageSet(parseIdx(idxBytes([3, 4], new Array(12).fill(0))), parseIdx(idxBytes([3], [0, 1, 2])), 10)).toThrow(/3 or 4 dimensions/);
    expect(() => idxToImageSet(images, parseIdx(idxBytes([3, 1], [0, 1, 2])), 10)).toThrow(/labels must have 1 dimension/);
  });
});

describe('gzip', () => {
  it('round-trips an IDX file through CompressionStream and gunzip', async () => {
    const file = idxBytes([50, 4, 4], Array.from({ length: 800 }, (_, i) => (i * 7) % 256));
    const compressed = await gzip(file);
    expect(isGzip(compressed)).toBe(true);
    expect(isGzip(file)).toBe(false);
    expect(compressed.length).toBeLessThan(file.length);
    expect(await gunzip(compressed)).toEqual(file);
    expect(await maybeGunzip(compressed)).toEqual(file);
    expect(parseIdx(await maybeGunzip(compressed)).dims).toEqual([50, 4, 4]);
  });

  it('passes uncompressed bytes through unchanged', async () => {
    const file = idxBytes([2], [3, 4]);
    expect(await maybeGunzip(file)).toBe(file);
  });

  it('rejects corrupt gzip data instead of returning garbage', async () => {
    const compressed = await gzip(idxBytes([100], new Array(100).fill(5)));
    const corrupt = compressed.slice(0, compressed.length - 12);
    await expect(gunzip(corrupt)).rejects.toThrow();
  });
});
