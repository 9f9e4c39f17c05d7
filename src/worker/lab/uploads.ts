// A dataset from the files the user picked: read in the worker (the page never holds their
// bytes), checked, and split as the shipped datasets are (a seeded val split of train; a seeded
// test split when the files have none). Today: IDX image + label files (MNIST's format, gzipped
// or not), one pair (split) or train and test pairs told apart by their names.
import { maybeGunzip } from '../../data/gzip';
import { idxToImageSet, parseIdx } from '../../data/idx';
import { carveSplit, SPLIT_SEED, VAL_FRACTION } from '../../data/split';
import { uploadedDatasetId } from '../../data/uploaded';
import type { Dataset, ImageSet } from '../../data/types';

/** The share of a single image set held out as test (the shipped Digits' share). */
const TEST_FRACTION = 0.2;
/** Classes the lab accepts: a label above this is a broken file, not a 300-class problem. */
const MAX_CLASSES = 1000;

interface Pair {
  images: { name: string; bytes: Uint8Array };
  labels: { name: string; bytes: Uint8Array };
}

const isLabels = (name: string) => /label/i.test(name);
const isTest = (name: string) => /(^|[^a-z])(test|t10k)/i.test(name);

function pairUp(files: { name: string; bytes: Uint8Array }[]): { train: Pair; test: Pair | null } {
  const images = files.filter((file) => !isLabels(file.name));
  const labels = files.filter((file) => isLabels(file.name));
  const find = (list: typeof files, test: boolean, what: string) => {
    const found = list.filter((file) => isTest(file.name) === test);
    if (found.length !== 1) throw new Error(`Pick IDX files as pairs of images and labels (${what}: found ${found.length}; names with "label" are labels, names with "test" or "t10k" the test split)`);
    return found[0];
  };
  if (files.length === 2) {
    if (images.length !== 1 || labels.length !== 1) throw new Error('Two IDX files must be one of images and one of labels ("label" in its name)');
    return { train: { images: images[0], labels: labels[0] }, test: null };
  }
  if (files.length === 4) {
    return {
      train: { images: find(images, false, 'train images'), labels: find(labels, false, 'train labels') },
      test: { images: find(images, true, 'test images'), labels: find(labels, true, 'test labels') },
    };
  }
  throw new Error(`Pick 2 IDX files (images and labels) or 4 (train and test), not ${files.length}`);
}

export async function readUploadedDataset(name: string, files: File[], progress: (fraction: number, message: string) => void): Promise<Dataset> {
  if (files.length === 0) throw new Error('No files were picked');
  const read: { name: string; bytes: Uint8Array }[] = [];
  for (const [i, file] of files.entries()) {
    progress(i / files.length, `Reading ${file.name}`);
    read.push({ name: file.name, bytes: await maybeGunzip(new Uint8Array(await file.arrayBuffer()), file.name) });
  }
  progress(1, `Checking ${name}`);
  const { train, test } = pairUp(read);
  const parse = (pair: Pair) =>
    idxToImageSet(parseIdx(pair.images.bytes, pair.images.name), parseIdx(pair.labels.bytes, pair.labels.name), MAX_CLASSES, {
      images: pair.images.name,
      labels: pair.labels.name,
    });
  const trainSet = parse(train);
  const testSet = test ? parse(test) : null;
  if (testSet && testSet.shape.join('×') !== trainSet.shape.join('×')) {
    throw new Error(`${test!.images.name}: test images are ${testSet.shape.join('×')}, train images ${trainSet.shape.join('×')}`);
  }
  const maxLabel = (set: ImageSet) => set.labels.reduce((max, label) => Math.max(max, label), 0);
  const numClasses = Math.max(maxLabel(trainSet), testSet ? maxLabel(testSet) : 0) + 1;
  const counts = new Array<number>(numClasses).fill(0);
  for (const label of trainSet.labels) counts[label]++;
  const empty = counts.findIndex((count) => count === 0);
  if (empty >= 0) throw new Error(`${train.labels.name}: class ${empty} has no training image (labels run 0–${numClasses - 1})`);
  const [trainAll, testPart] = testSet ? [trainSet, testSet] : carveSplit(trainSet, TEST_FRACTION, SPLIT_SEED + 1);
  const [trainPart, valPart] = carveSplit(trainAll, VAL_FRACTION, SPLIT_SEED);
  const [height, width, channels] = trainSet.shape;
  return {
    info: {
      id: uploadedDatasetId(name),
      name,
      inputShape: trainSet.shape,
      numClasses,
      classNames: Array.from({ length: numClasses }, (_, i) => `class ${i}`),
      description: `Your files: ${trainSet.count.toLocaleString('en')} ${height}×${width}${channels === 3 ? ' colour' : ''} images${testSet ? ` and ${testSet.count.toLocaleString('en')} test images` : ''} in ${numClasses} classes.`,
      source: files.map((file) => file.name).join(', '),
    },
    train: trainPart,
    val: valPart,
    test: testPart,
  };
}
