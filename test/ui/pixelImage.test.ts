// The dataset images as BMP data: URLs (src/ui/PixelImage.tsx): header fields, bottom-up rows
// padded to 4 bytes, BGR order, grey as dark ink on paper (1 → black), colour as it is; and the
// integer scales they are drawn at.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { bitmapUrl, fitScale, PixelImage, pixelScale } from '../../src/ui/PixelImage';

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

describe('pixelScale and fitScale', () => {
  it('draws at the smallest integer scale that reaches a size: 8×8 at 4× for 32 px, 28×28 and 32×32 at 2× for 56 px', () => {
    expect(pixelScale([8, 8, 1], 32)).toBe(4);
    expect(pixelScale([28, 28, 1], 56)).toBe(2);
    expect(pixelScale([32, 32, 3], 56)).toBe(2);
    expect(pixelScale([64, 64, 3], 32)).toBe(1);
    // The longer side decides: a 16×32 image at 160 px is 5×.
    expect(pixelScale([16, 32, 1], 160)).toBe(5);
  });

  it('fits a row of images in a width at the largest integer scale, within its bounds', () => {
    // Ten 8×8 images 3 px apart in 350 px: (350 − 27) / 80 = 4.04 → 4× (32 px).
    expect(fitScale([8, 8, 1], 350, 10, 3, 3, 8)).toBe(4);
    // Ten 32×32 images 3 px apart in 667 px: exactly 2× (64 px), one pixel less and 1×.
    expect(fitScale([32, 32, 3], 667, 10, 3, 1, 2)).toBe(2);
    expect(fitScale([32, 32, 3], 666, 10, 3, 1, 2)).toBe(1);
    // Never past the largest, never under the smallest (the row then scrolls).
    expect(fitScale([8, 8, 1], 2000, 10, 3, 3, 8)).toBe(8);
    expect(fitScale([8, 8, 1], 100, 10, 3, 3, 8)).toBe(3);
  });

  it('renders an <img> of the image\'s size times the scale, so it keeps its aspect ratio', () => {
    const html = renderToStaticMarkup(createElement(PixelImage, { pixels: new Float32Array(8 * 16), shape: [8, 16, 1], label: 'a wide one', scale: 3 }));
    expect(html).toMatch(/width="48"/);
    expect(html).toMatch(/height="24"/);
    expect(html).toMatch(/class="pixel-image"/);
  });
});
