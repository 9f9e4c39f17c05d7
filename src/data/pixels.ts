// Pixel values shared by every reader and by the training splits: a byte stands for byte / 255,
// read from one table so every format gives the same float for the same byte; and the
// per-channel statistics a user's dataset is normalised with.
import type { ChannelStats, ImageSet } from './types';

export const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/**
 * Mean and standard deviation of every channel over a set's pixels in [0, 1] (the population
 * std over all pixels, as torchvision's CIFAR recipes compute theirs). Bytes are counted in a
 * histogram (exact, one pass); floats are summed in float64. A flat channel gets std 1.
 */
export function channelStats(set: ImageSet, channels: number): ChannelStats {
  const mean: number[] = [];
  const std: number[] = [];
  const { images } = set;
  for (let c = 0; c < channels; c++) {
    let n = 0;
    let sum = 0;
    let squares = 0;
    if (images instanceof Uint8Array) {
      const histogram = new Float64Array(256);
      for (let i = c; i < images.length; i += channels) histogram[images[i]]++;
      for (let b = 0; b < 256; b++) {
        n += histogram[b];
        sum += histogram[b] * (b / 255);
        squares += histogram[b] * (b / 255) ** 2;
      }
    } else {
      for (let i = c; i < images.length; i += channels) {
        n++;
        sum += images[i];
        squares += images[i] * images[i];
      }
    }
    const m = n > 0 ? sum / n : 0;
    const variance = n > 0 ? Math.max(0, squares / n - m * m) : 0;
    const s = Math.sqrt(variance);
    mean.push(m);
    std.push(s > 1e-6 ? s : 1);
  }
  return { mean, std };
}
