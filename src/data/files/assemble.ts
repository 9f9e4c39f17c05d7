// A parsed file dataset becomes the lab's Dataset: the pixels as the file held them (bytes, or
// floats already in [0, 1]) are split by index with the lab's own seeded splits — val carved from
// train exactly as for a shipped dataset, test carved first when the files have none — and
// copied once, kept as bytes when they are bytes (CIFAR-10: 184 MB instead of 737 MB as floats).
// The per-channel statistics the inputs are normalised with are taken from the train split.
import type { Dataset, DatasetInfo, ImageSet } from '../types';
import { carveSplit, SPLIT_SEED, VAL_FRACTION } from '../split';
import { channelStats } from '../pixels';
import { DatasetFileError, MAX_CLASSES, checkDatasetSize, count } from './errors';

interface RawCommon {
  labels: Int32Array;
  count: number;
  /** [height, width, channels] */
  shape: [number, number, number];
}

/** Images of one split as read, before they are split: each format writes a sample its own way. */
export type RawImages = RawCommon &
  (
    | { /** Pixels are bytes 0..255: sample `index` as NHWC bytes at `out[offset…]`. */ kind: 'bytes'; writeSample(index: number, out: Uint8Array, offset: number): void }
    | { /** Pixels are floats in [0, 1]. */ kind: 'floats'; writeSample(index: number, out: Float32Array, offset: number): void }
  );

/** Images held as NHWC bytes 0..255, or floats already in [0, 1]. */
export function imagesFromPixels(pixels: Uint8Array | Float32Array, labels: Int32Array, count: number, shape: [number, number, number]): RawImages {
  const size = shape[0] * shape[1] * shape[2];
  return pixels instanceof Float32Array
    ? { labels, count, shape, kind: 'floats', writeSample: (index, out, offset) => out.set(pixels.subarray(index * size, (index + 1) * size), offset) }
    : { labels, count, shape, kind: 'bytes', writeSample: (index, out, offset) => out.set(pixels.subarray(index * size, (index + 1) * size), offset) };
}

/** Without a test file, this share is held out as test (with SPLIT_SEED + 1, as Digits is). */
export const TEST_FRACTION = 0.2;

export interface DatasetDescription {
  id: string;
  name: string;
  classNames: string[];
  /** 'CIFAR-10 binary', 'IDX', 'image folder', 'CSV'. */
  format: string;
  /** How messages name the whole dataset: the file or folder given. */
  file: string;
}

/** The positions carveSplit keeps and carves from `positions`, taken from carveSplit itself. */
export function carvePositions(positions: Int32Array, fraction: number, seed: number): [Int32Array, Int32Array] {
  if (positions.length === 0) return [positions, positions];
  const [rest, carved] = carveSplit({ images: new Float32Array(positions.length), labels: positions, count: positions.length }, fraction, seed);
  return [rest.labels, carved.labels];
}

/** The samples at `positions`, as bytes or floats as read; `onSample` after each (for progress). */
export function toImageSet(raw: RawImages, positions: Int32Array | null, onSample: () => void = () => {}): ImageSet {
  const size = raw.shape[0] * raw.shape[1] * raw.shape[2];
  const n = positions ? positions.length : raw.count;
  const labels = new Int32Array(n);
  const write = <T extends Uint8Array | Float32Array>(images: T, writeSample: (index: number, out: T, offset: number) => void): ImageSet => {
    for (let i = 0; i < n; i++) {
      const p = positions ? positions[i] : i;
      labels[i] = raw.labels[p];
      writeSample(p, images, i * size);
      onSample();
    }
    return { images, labels, count: n };
  };
  return raw.kind === 'bytes' ? write(new Uint8Array(n * size), raw.writeSample) : write(new Float32Array(n * size), raw.writeSample);
}

/**
 * Class indices from integer labels: 0..max. Labels that start at 1 in every file (EMNIST
 * letters: 1–26) are moved down by one; the class names keep the file's numbers.
 */
export function labelClasses(sets: { labels: Int32Array; file: string }[]): { numClasses: number; names: string[] } {
  let min = Infinity;
  let max = -1;
  let maxFile = '';
  for (const { labels, file } of sets) {
    for (const label of labels) {
      if (label < min) min = label;
      if (label > max) {
        max = label;
        maxFile = file;
      }
    }
  }
  if (max >= MAX_CLASSES + (min === 1 ? 1 : 0)) {
    throw new DatasetFileError(maxFile, 'label-range', `label ${count(max)} is out of range: the lab takes at most ${count(MAX_CLASSES)} classes (labels 0–${MAX_CLASSES - 1})`);
  }
  const offset = min === 1 ? 1 : 0;
  if (offset) for (const { labels } of sets) for (let i = 0; i < labels.length; i++) labels[i] -= 1;
  const numClasses = max + 1 - offset;
  return { numClasses, names: Array.from({ length: numClasses }, (_, i) => `class ${i + offset}`) };
}

export function assembleDataset(
  description: DatasetDescription,
  train: RawImages,
  test: RawImages | null,
  notes: { trainFrom: string; testFrom?: string },
  onProgress: (fraction: number) => void = () => {},
): Dataset {
  const { classNames, file } = description;
  const numClasses = classNames.length;
  if (test && test.shape.join() !== train.shape.join()) {
    throw new DatasetFileError(file, 'mixed-sizes', `the training images are ${train.shape.join('×')} but the test images ${test.shape.join('×')}: both must have one size`);
  }
  // Every reader refuses its own zero-sized images; this holds for any reader added later.
  if (train.shape.includes(0)) throw new DatasetFileError(file, 'too-small', `images of ${train.shape.join('×')} pixels: a zero dimension holds no image`);
  checkDatasetSize(file, train.count + (test?.count ?? 0), train.shape);
  if (numClasses < 2) throw new DatasetFileError(file, 'empty-class', `${numClasses === 1 ? 'one class' : 'no class'} (${classNames.join(', ')}): a classifier needs at least 2`);
  for (const set of test ? [train, test] : [train]) {
    for (let i = 0; i < set.count; i++) {
      const label = set.labels[i];
      if (label < 0 || label >= numClasses) {
        throw new DatasetFileError(file, 'label-range', `image ${count(i)} of the ${set === train ? 'training' : 'test'} images has label ${label}, out of range for ${numClasses} classes`);
      }
    }
  }
  const all = Int32Array.from({ length: train.count }, (_, i) => i);
  const [trainAll, heldOut] = test ? [all, null] : carvePositions(all, TEST_FRACTION, SPLIT_SEED + 1);
  const perClass = new Array<number>(numClasses).fill(0);
  for (const p of trainAll) perClass[train.labels[p]]++;
  const empty = perClass.findIndex((n) => n === 0);
  if (empty >= 0) {
    const name = classNames[empty] === `class ${empty}` ? `class ${empty}` : `class ${empty} (${classNames[empty]})`;
    throw new DatasetFileError(file, 'empty-class', `${name} has no training images`);
  }
  const [trainPositions, valPositions] = carvePositions(trainAll, VAL_FRACTION, SPLIT_SEED);
  const [h, w, c] = train.shape;
  const testCount = test ? test.count : heldOut!.length;
  const info: DatasetInfo = {
    id: description.id,
    name: description.name,
    inputShape: [h, w, c],
    numClasses,
    classNames,
    description:
      `${description.format}, ${h}×${w}×${c}, ${numClasses} classes: ${count(trainPositions.length)} train / ${count(valPositions.length)} val / ${count(testCount)} test images ` +
      `(val: ${Math.round(VAL_FRACTION * 100)} % of train, fixed seed${test ? '' : `; test: ${Math.round(TEST_FRACTION * 100)} % held out, fixed seed`}).`,
    source: notes.testFrom ? `${notes.trainFrom}; test: ${notes.testFrom}` : notes.trainFrom,
  };
  // Converting is most of the time a large set takes (fresh memory is slow to touch): report it.
  const total = train.count + (test?.count ?? 0);
  let done = 0;
  const onSample = () => {
    if ((++done & 1023) === 0) onProgress(done / total);
  };
  const trainSet = toImageSet(train, trainPositions, onSample);
  const dataset: Dataset = {
    info: { ...info, normalization: channelStats(trainSet, c) },
    train: trainSet,
    val: toImageSet(train, valPositions, onSample),
    test: test ? toImageSet(test, null, onSample) : toImageSet(train, heldOut, onSample),
  };
  onProgress(1);
  return dataset;
}
