// A dataset image drawn pixel for pixel: grey images as dark ink on paper, colour ones as they are.
// Encoded as a tiny BMP in a data: URL for an <img>, not drawn on a <canvas>: a canvas is
// GPU-backed, and creating and filling twenty of them held the main thread for 2.2 s on a
// software GPU; an image decodes off the main thread.
import { memo, useMemo } from 'react';

interface PixelImageProps {
  pixels: Float32Array;
  shape: readonly [number, number, number];
  label: string;
  className?: string;
  /** CSS pixels per image pixel, an integer (pixelScale, fitScale). */
  scale?: number;
  testId?: string;
}

/** A 24-bit uncompressed BMP of the image as a data: URL (rows bottom-up, padded to 4 bytes). */
export function bitmapUrl(pixels: Float32Array, shape: readonly [number, number, number]): string {
  const [height, width, channels] = shape;
  const rowBytes = Math.ceil((3 * width) / 4) * 4;
  const size = 54 + rowBytes * height;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x42; // 'B'
  bytes[1] = 0x4d; // 'M'
  view.setUint32(2, size, true);
  view.setUint32(10, 54, true); // pixel data offset
  view.setUint32(14, 40, true); // BITMAPINFOHEADER
  view.setInt32(18, width, true);
  view.setInt32(22, height, true); // positive: bottom-up rows
  view.setUint16(26, 1, true); // planes
  view.setUint16(28, 24, true); // bits per pixel
  view.setUint32(34, rowBytes * height, true);
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      for (let c = 0; c < 3; c++) {
        const value = Math.min(1, Math.max(0, pixels[p * channels + (channels === 3 ? c : 0)] ?? 0));
        // BMP stores blue, green, red.
        bytes[row + 3 * x + (2 - c)] = channels === 3 ? Math.round(value * 255) : Math.round((1 - value) * 255);
      }
    }
  }
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return `data:image/bmp;base64,${btoa(binary)}`;
}

/** The smallest integer scale that draws an image of `shape` at least `side` CSS pixels on its longer side. */
export function pixelScale(shape: readonly [number, number, number], side: number): number {
  return Math.max(1, Math.ceil(side / Math.max(1, shape[0], shape[1])));
}

/**
 * The largest integer scale at which `columns` images of `shape`, `gap` pixels apart, fit in
 * `width`, kept within [min, max] (the caller's box scrolls when even `min` does not fit).
 */
export function fitScale(shape: readonly [number, number, number], width: number, columns: number, gap: number, min: number, max: number): number {
  const fits = Math.floor((width - gap * (columns - 1)) / (columns * Math.max(1, shape[1])));
  return Math.min(max, Math.max(min, fits));
}

/**
 * Drawn pixel for pixel at an integer `scale`: each image pixel a square of scale × scale CSS
 * pixels (image-rendering: pixelated), at the image's own aspect ratio.
 */
export const PixelImage = memo(function PixelImage({ pixels, shape, label, className, scale = 1, testId }: PixelImageProps) {
  const [height, width] = shape;
  const src = useMemo(() => bitmapUrl(pixels, shape), [pixels, shape]);
  return (
    <img
      src={src}
      className={className ? `pixel-image ${className}` : 'pixel-image'}
      width={width * scale}
      height={height * scale}
      alt={label}
      aria-label={label}
      data-testid={testId}
      data-scale={scale}
    />
  );
});
