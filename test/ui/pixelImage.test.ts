// The dataset images as BMP data: URLs (src/ui/PixelImage.tsx): header fields, bottom-up rows
// padded to 4 bytes, BGR order, grey as dark ink on paper (1 → black), colour as it is.
import { describe, expect, it } from 'vitest';
import { bitmapUrl } from '../../src/ui/PixelImage';

function decode(url: string): Uint8Array {
  expect(url.startsWith('data:image/bmp;base64,')).toBe(true);
  return Uint8Array.from(Buffer.from(url.slice('data:image/bmp;base64,'.length), 'base64'));
}

describe('bitmapUrl', () => {
  it('writes a 24-bit bottom-up BMP of a grey image, ink dark on paper, rows padded to 4 bytes', () => {
    // 2 rows × 3 columns: row 0 is 0, 0.5, 1; row 1 is 1, 1, 0 (values outside [0, 1] are clipped).
    const bytes = decode(bitmapUrl(Float32Array.from([0, 0.5, 1, 2, 1, -1]), [2, 3, 1]));
    const view = new DataView(bytes.buffer);
    const rowBytes = 12; // 3 pixels × 3 bytes = 9, padded to 12
    expect(String.fromCharCode(bytes[0], bytes[1])).toBe('BM');
    expect(view.getUint32(2, true)).toBe(54 + 2 * rowBytes);
    expect(bytes.length).toBe(54 + 2 * rowBytes);
    expect([view.getInt32(18, true), view.getInt32(22, true), view.getUint16(28, true)]).toEqual([3, 2, 24]);
    const pixel = (row: number, x: number) => Array.from(bytes.subarray(54 + row * rowBytes + 3 * x, 54 + row * rowBytes + 3 * x + 3));
    // The file's first row is the image's last.
    expect([pixel(1, 0), pixel(1, 1), pixel(1, 2)]).toEqual([[255, 255, 255], [128, 128, 128], [0, 0, 0]]);
    expect([pixel(0, 0), pixel(0, 1), pixel(0, 2)]).toEqual([[0, 0, 0], [0, 0, 0], [255, 255, 255]]);
  });

  it('keeps a colour image\'s colours, stored blue, green, red', () => {
    const bytes = decode(bitmapUrl(Float32Array.from([1, 0, 0, 0, 0.2, 1]), [1, 2, 3]));
    expect(Array.from(bytes.subarray(54, 60))).toEqual([0, 0, 255, 255, 51, 0]);
  });
});
