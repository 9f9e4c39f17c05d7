// `node --import tsx scripts/ship-teacher-logits.ts [teacher-id ...]`: (re)compute every shipped
// teacher's logits on its dataset's whole training split (tfjs cpu, inference mode) and write
// public/teachers/<id>/train-logits.bin and train-logits.json (see src/models/shippedLogits.ts).
// Run it after retraining a teacher or changing a dataset's split.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadBuiltinDataset } from '../src/data/load';
import { SPLIT_SEED, VAL_FRACTION } from '../src/data/split';
import { fetchPublicFile, loadModelFromDir, readTeacherIndex, shippedTeacherDir } from '../src/cli/nodeFiles';
import { installFastCpuKernels } from '../src/backends/cpuKernels';
import { cacheTeacherLogits } from '../src/train/teacherCache';
import { disposeSplit, uploadSplit } from '../src/data/device';
import { LOGITS_FILE, LOGITS_META_FILE, sha256Hex, trainSplitFingerprint, type ShippedLogitsMeta } from '../src/models/shippedLogits';

const BATCH = 256;

async function main(): Promise<void> {
  tf.env().set('IS_NODE', false); // no "install tfjs-node" banner
  await tf.setBackend('cpu');
  installFastCpuKernels();
  const index = await readTeacherIndex();
  const wanted = process.argv.slice(2);
  for (const card of index.filter((c) => wanted.length === 0 || wanted.includes(c.id))) {
    const started = performance.now();
    const dataset = await loadBuiltinDataset(card.dataset, fetchPublicFile);
    const dir = shippedTeacherDir(card.id);
    const teacher = await loadModelFromDir(dir);
    const { train } = dataset;
    // The loop's own input path (bytes through the dataset's normalisation, CIFAR-10's included) and its own caching.
    const split = uploadSplit(train, dataset.info);
    const cached = await cacheTeacherLogits(teacher, split, BATCH, (done, total) => process.stderr.write(`\r${card.id}: ${done} / ${total}`));
    const logits = (await cached.data()) as Float32Array;
    cached.dispose();
    disposeSplit(split);
    const bytes = new Uint8Array(logits.buffer);
    const meta: ShippedLogitsMeta = {
      teacher: card.id,
      dataset: card.dataset,
      count: train.count,
      numClasses: dataset.info.numClasses,
      dtype: 'float32',
      splitSeed: SPLIT_SEED,
      valFraction: VAL_FRACTION,
      weightsSha256: await sha256Hex(new Uint8Array(await readFile(path.join(dir, 'weights.bin')))),
      trainFingerprint: await trainSplitFingerprint(train),
      logitsSha256: await sha256Hex(bytes),
      createdAt: new Date().toISOString(),
    };
    await writeFile(path.join(dir, LOGITS_FILE), bytes);
    await writeFile(path.join(dir, LOGITS_META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
    teacher.dispose();
    process.stderr.write(`\r${card.id}: ${train.count} logits in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
