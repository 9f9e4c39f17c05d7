// The lab's PNG decoder against images whose every byte is known: each colour type and bit depth,
// all five row filters (the test encoder uses filter y % 5 on row y), palettes, alpha dropped, and
// the resampling that brings a folder to one size.
import { describe, expect, it } from 'vitest';
import { decodePng } from '../../../src/data/files/png';
import { resizeInto } from '../../../src/data/files/images';
import { DatasetFileError } from '../../../src/data/files/errors';
import { pngBytes } from './corpus';

const W = 7;
const H = 6;
const value = (x: number, y: number, c: number) => (x * 37 + y * 91 + c * 53) & 255;

/** Rows of `samples` 8-bit samples a pixel from value(). */
function rows8(samples: number): Uint8Array {
  const out = new Uint8Array(W * H * samples);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let s = 0; s < samples; s++) out[(y * W + x) * samples + s] = value(x, y, s);
  return out;
}

function expected(channels: number): number[] {
  return Array.from(rows8(channels));
}

describe('decodePng', () => {
  it('decodes grey, grey+alpha, RGB and RGBA at 8 bits through all five filters, dropping alpha', async () => {
    const grey = await decodePng(pngBytes({ width: W, height: H, colourType: 0, rows: rows8(1) }), 'g.png');
    expect(grey).toMatchObject({ width: W, height: H, channels: 1 });
    expect(Array.from(grey.data)).toEqual(expected(1));
    const rgb = await decodePng(pngBytes({ width: W, height: H, colourType: 2, rows: rows8(3) }), 'rgb.png');
    expect(rgb.channels).toBe(3);
    expect(Array.from(rgb.data)).toEqual(expected(3));
    const rgba = await decodePng(pngBytes({ width: W, height: H, colourType: 6, rows: rows8(4) }), 'rgba.png');
    expect(Array.from(rgba.data)).toEqual(expected(3));
    const greyAlpha = await decodePng(pngBytes({ width: W, height: H, colourType: 4, rows: rows8(2) }), 'ga.png');
    expect(greyAlpha.channels).toBe(1);
    expect(Array.from(greyAlpha.data)).toEqual(expected(1));
  });

  it('keeps the high byte of 16-bit samples', async () => {
    const rows = new Uint8Array(W * H * 3 * 2);
    const eight = rows8(3);
    for (let i = 0; i < eight.length; i++) {
      rows[2 * i] = eight[i];
      rows[2 * i + 1] = 255 - eight[i];
    }
    const image = await decodePng(pngBytes({ width: W, height: H, colourType: 2, bitDepth: 16, rows }), 'deep.png');
    expect(Array.from(image.data)).toEqual(expected(3));
  });

  it('unpacks 1-, 2- and 4-bit grey, scaled to 0..255', async () => {
    // 2-bit: pixel x of each row is x % 4, packed 4 a byte, most significant first; rows padded to whole bytes.
    const rowBytes = Math.ceil(W / 4);
    const rows = new Uint8Array(H * rowBytes);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) rows[y * rowBytes + (x >> 2)] |= (x % 4) << (6 - 2 * (x % 4));
    const image = await decodePng(pngBytes({ width: W, height: H, colourType: 0, bitDepth: 2, rows }), 'two.png');
    expect(Array.from(image.data.subarray(0, W))).toEqual([0, 85, 170, 255, 0, 85, 170]);
    const oneBit = await decodePng(pngBytes({ width: 9, height: 1, colourType: 0, bitDepth: 1, rows: new Uint8Array([0b10100000, 0b10000000]) }), 'one.png');
    expect(Array.from(oneBit.data)).toEqual([255, 0, 255, 0, 0, 0, 0, 0, 255]);
  });

  it('looks up 4-bit palettes: colour palettes give RGB, an all-grey palette gives 1 channel', async () => {
    const palette = new Uint8Array([10, 20, 30, 200, 100, 0, 255, 255, 255]);
    const rows = new Uint8Array([0x01, 0x20]); // pixels 0, 1, 2, 0 on a 4×1 image
    const colour = await decodePng(pngBytes({ width: 4, height: 1, colourType: 3, bitDepth: 4, rows, palette }), 'p.png');
    expect(colour.channels).toBe(3);
    expect(Array.from(colour.data)).toEqual([10, 20, 30, 200, 100, 0, 255, 255, 255, 10, 20, 30]);
    const greyPalette = new Uint8Array([0, 0, 0, 128, 128, 128, 255, 255, 255]);
    const grey = await decodePng(pngBytes({ width: 4, height: 1, colourType: 3, bitDepth: 4, rows, palette: greyPalette }), 'gp.png');
    expect(grey.channels).toBe(1);
    expect(Array.from(grey.data)).toEqual([0, 128, 255, 0]);
  });

  it('refuses interlaced, truncated and signature-less files by name', async () => {
    const interlaced = pngBytes({ width: W, height: H, colourType: 0, rows: rows8(1), interlaced: true });
    await expect(decodePng(interlaced, 'cat/i.png')).rejects.toThrow('cat/i.png: interlaced (Adam7) PNGs are not supported: save the image without interlacing');
    const whole = pngBytes({ width: W, height: H, colourType: 0, rows: rows8(1) });
    await expect(decodePng(whole.subarray(0, whole.length - 20), 'cat/t.png')).rejects.toThrow('cat/t.png: the PNG ends before its last chunk (IEND): the file is truncated');
    await expect(decodePng(new Uint8Array(40), 'cat/z.png')).rejects.toBeInstanceOf(DatasetFileError);
  });
});

describe('resizeInto', () => {
  it('enlarges bilinearly with pixel centres aligned, and repeats grey into RGB', () => {
    const out = new Uint8Array(4 * 3);
    resizeInto({ width: 2, height: 1, channels: 1, data: new Uint8Array([0, 200]) }, 1, 4, 3, out, 0);
    // Centres of 4 outputs over 2 inputs: x = -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1).
    expect(Array.from(out)).toEqual([0, 0, 0, 50, 50, 50, 150, 150, 150, 200, 200, 200]);
  });

  it('shrinks by area: 3 → 2 weighs the middle pixel half to each side', () => {
    const out = new Uint8Array(2);
    resizeInto({ width: 3, height: 1, channels: 1, data: new Uint8Array([0, 90, 180]) }, 1, 2, 1, out, 0);
    // (0 · 1 + 90 · 0.5) / 1.5 = 30; (90 · 0.5 + 180 · 1) / 1.5 = 150.
    expect(Array.from(out)).toEqual([30, 150]);
  });
});
