import type { Dataset, FetchBytes, ImageSet, LoadProgress } from './types';
import { getBuiltinDataset, type BuiltinDataset } from './registry';
import { maybeGunzip } from './gzip';
import { idxToImageSet, parseIdx } from './idx';
import { parseLabelledCsv } from './csv';
import { carveSplit, SPLIT_SEED, VAL_FRACTION } from './split';

/** Load a built-in dataset: fetch (with progress), decompress, parse, carve val (and test) splits. */
export async function loadBuiltinDataset(
  id: string,
  fetchBytes: FetchBytes,
  onProgress: (progress: LoadProgress) => void = () => {},
): Promise<Dataset> {
  const spec = getBuiltinDataset(id);
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
      return [path, await maybeGunzip(bytes)] as const;
    }),
  );
  onProgress({ fraction: 1, message: `Parsing ${spec.name}` });
  const byPath = new Map(files);
  const dataset = parseBuiltin(spec, (path) => {
    const bytes = byPath.get(path);
    if (!bytes) throw new Error(`missing file ${path}`);
    return bytes;
  });
  onProgress({ fraction: 1, message: `${spec.name} ready` });
  return dataset;
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
    const all = parseLabelledCsv(text, { labelColumn: 'last', maxValue: 16, features: h * w * c });
    [trainAll, test] = carveSplit(all, spec.testFraction ?? 0.2, SPLIT_SEED + 1);
  } else {
    const { trainLabels, testImages, testLabels } = spec.files;
    if (!trainLabels || !testImages || !testLabels) throw new Error(`${spec.id}: IDX datasets need four files`);
    trainAll = idxToImageSet(
      parseIdx(file(spec.files.trainImages), 'train images'),
      parseIdx(file(trainLabels), 'train labels'),
      spec.numClasses,
    );
    test = idxToImageSet(parseIdx(file(testImages), 'test images'), parseIdx(file(testLabels), 'test labels'), spec.numClasses);
  }
  const [train, val] = carveSplit(trainAll, VAL_FRACTION, SPLIT_SEED);
  return { info, train, val, test };
}
