// The size an image folder's images are resized to, as the CLI's --image-size and the Data panel
// choose it (no reader here: the page imports this without the decoders).

/** The sizes the page offers for image folders (the CLI takes any in range). */
export const IMAGE_SIZE_CHOICES: readonly number[] = [16, 28, 32, 48, 64];
const IMAGE_SIDE_RANGE: [number, number] = [4, 128];

/** "32" (square) or "28x28" / "28×28" (height × width) as [height, width]; an Error names what is wrong. */
export function parseImageSize(text: string): [number, number] {
  const match = /^\s*(\d+)\s*(?:[x×]\s*(\d+)\s*)?$/i.exec(text);
  const sides = match ? [Number(match[1]), Number(match[2] ?? match[1])] : [];
  const [low, high] = IMAGE_SIDE_RANGE;
  if (sides.length !== 2 || sides.some((side) => side < low || side > high)) {
    throw new Error(`an image size is N or HxW with sides from ${low} to ${high} (e.g. 32 or 28x28), got "${text}"`);
  }
  return [sides[0], sides[1]];
}
