// Why a user's dataset file was refused, as one line naming the file and the problem
// (docs/ARCHITECTURE.md §5): the CLI prints it, the worker will post it.

/** What kind of problem: tests and callers branch on this, people read the message. */
export type DatasetProblem =
  | 'unknown-format'
  | 'truncated'
  | 'record-size'
  | 'label-range'
  | 'mixed-sizes'
  | 'empty-class'
  | 'not-an-image'
  | 'unsupported'
  | 'too-large'
  | 'too-small'
  | 'pairing';

export class DatasetFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: DatasetProblem,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'DatasetFileError';
  }
}

/** More images than any dataset the lab should hold in a tab (CIFAR-10 has 60,000, EMNIST byclass 814,255). */
export const MAX_IMAGES = 200_000;
/**
 * Pixel values of the whole dataset, one byte each as the lab keeps a user's images (CIFAR-10:
 * 60,000 × 32×32×3 = 184 MB; 737 MB if they were float32).
 */
export const MAX_PIXEL_BYTES = 512 * 1024 ** 2;
/** Labels above this are a damaged file, not a dataset (CIFAR-100 and ImageNet have 100 and 1,000). */
export const MAX_CLASSES = 1000;
/** One decoded image: a photo of 40 megapixels would take 120 MB before it is shrunk. */
export const MAX_IMAGE_PIXELS = 40_000_000;

/** 60000 -> "60,000": the numbers in messages. */
export function count(n: number): string {
  return n.toLocaleString('en');
}

/** Refuse a dataset above the limits before its arrays are allocated. */
export function checkDatasetSize(file: string, images: number, shape: readonly number[]): void {
  if (images > MAX_IMAGES) {
    throw new DatasetFileError(file, 'too-large', `${count(images)} images, more than the ${count(MAX_IMAGES)} the lab loads`);
  }
  const bytes = images * shape.reduce((a, b) => a * b, 1);
  if (bytes > MAX_PIXEL_BYTES) {
    throw new DatasetFileError(
      file,
      'too-large',
      `${count(images)} images of ${shape.join('×')} take ${count(Math.ceil(bytes / 1024 ** 2))} MB (one byte a value), more than the ${count(MAX_PIXEL_BYTES / 1024 ** 2)} MB the lab holds`,
    );
  }
}
