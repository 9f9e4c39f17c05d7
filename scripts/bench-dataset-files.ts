// How long reading a full-size CIFAR-10 binary archive takes (issue: under 10 s with progress):
// a synthetic cifar-10-binary.tar.gz of 50,000 + 10,000 records (as distributed: five data
// batches, a test batch, batches.meta.txt) is written to a temporary folder, then read the way
// `npm run train -- --dataset-file` reads it. `node --import tsx scripts/bench-dataset-files.ts [FILE]`:
// with FILE (the real cifar-10-binary.tar.gz, or any dataset file or folder), that is read instead.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readDatasetPath } from '../src/cli/datasetFile';
import { cifar10Archive } from '../test/data/files/corpus';

const dir = await mkdtemp(path.join(tmpdir(), 'distillation-lab-cifar-'));
try {
  let started = performance.now();
  let file = process.argv[2];
  if (!file) {
    const archive = await cifar10Archive(10_000, 10_000, true);
    file = path.join(dir, 'cifar-10-binary.tar.gz');
    await writeFile(file, archive);
    console.log(`wrote ${file}: ${(archive.length / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  let reports = 0;
  let lastTenth = -1;
  started = performance.now();
  const dataset = await readDatasetPath(file, undefined, (progress) => {
    reports++;
    const tenth = Math.floor(progress.fraction * 10);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      console.log(`  ${((performance.now() - started) / 1000).toFixed(2)} s  ${(progress.fraction * 100).toFixed(0)}%  ${progress.message}`);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const { train, val, test, info } = dataset;
  console.log(`${info.name}: ${train.count} train / ${val.count} val / ${test.count} test, ${info.inputShape.join('×')}, ${info.classNames.join(', ')}`);
  console.log(`read in ${seconds.toFixed(2)} s (${reports} progress reports), peak RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
