// A dataset image drawn pixel for pixel: grey images as dark ink on paper, colour ones as they are.
import { memo, useEffect, useRef } from 'react';

interface PixelImageProps {
  pixels: Float32Array;
  shape: readonly [number, number, number];
  label: string;
  className?: string;
}

export const PixelImage = memo(function PixelImage({ pixels, shape, label, className }: PixelImageProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [height, width, channels] = shape;
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return;
    const image = context.createImageData(width, height);
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < 3; c++) {
        const value = Math.min(1, Math.max(0, pixels[p * channels + (channels === 3 ? c : 0)] ?? 0));
        image.data[4 * p + c] = channels === 3 ? Math.round(value * 255) : Math.round((1 - value) * 255);
      }
      image.data[4 * p + 3] = 255;
    }
    context.putImageData(image, 0, 0);
  }, [pixels, width, height, channels]);
  return <canvas ref={canvas} className={className ? `pixel-image ${className}` : 'pixel-image'} width={width} height={height} role="img" aria-label={label} />;
});
