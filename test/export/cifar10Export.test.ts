// The PyTorch export of a CIFAR-10 run reads the installed CIFAR binary itself (the files are not
// copied into the export: 184 MB) and feeds its networks exactly the lab's inputs: the same splits,
// the train split's per-channel statistics, float32 tables rounded as the lab rounds them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pytorchExportFiles } from '../../src/export/pytorchExport';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/train/config';
import { loadBuiltinDataset } from '../../src/data/load';
import { inputTables } from '../../src/data/device';
import { fetchPublicFile, PUBLIC_DIR } from '../../src/cli/nodeFiles';
import { reportMissingTorch, runPython, TORCH_PYTHON } from './python';

const config: ExperimentConfig = { ...DEFAULT_CONFIG, dataset: 'cifar10', student: 'medium-cnn', teacher: 'cifar10-teacher-cnn', method: 'none', params: {} };
const folder = mkdtempSync(path.join(tmpdir(), 'cifar10-export-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

reportMissingTorch('the CIFAR-10 export test');
describe.skipIf(!TORCH_PYTHON)('a CIFAR-10 run exported to PyTorch', () => {
  it('names the data folder instead of copying it, and its train.py reads the lab\'s exact inputs', async () => {
    const files = pytorchExportFiles({ config });
    expect(files.some((file) => file.path.startsWith('data/'))).toBe(false);
    const readme = new TextDecoder().decode(files.find((file) => file.path === 'README.md')!.data);
    expect(readme).toMatch(/public\/datasets\/cifar10\/.*--data/s);
    writeFileSync(path.join(folder, 'train.py'), files.find((file) => file.path === 'train.py')!.data);

    const python = runPython<{ counts: number[]; testLabels: number[]; testFirst: number[]; valFirst: number[] }>(
      String.raw`
import json, runpy, sys
job = json.load(sys.stdin)
g = runpy.run_path(job["script"], run_name="not_main")
(tx, ty), (vx, vy), (sx, sy) = g["load_splits"](job["data"])
# NCHW: pixel (0, 0) of each channel, then pixel (0, 1).
first = lambda x: [float(x[0, c, 0, p]) for p in (0, 1) for c in range(3)]
print(json.dumps({"counts": [len(ty), len(vy), len(sy)], "testLabels": sy[:10].tolist(), "testFirst": first(sx), "valFirst": first(vx)}))
`,
      { script: path.join(folder, 'train.py'), data: path.join(PUBLIC_DIR, 'datasets/cifar10') },
      120_000,
    );

    const dataset = await loadBuiltinDataset('cifar10', fetchPublicFile);
    const tables = inputTables(3, dataset.info.normalization);
    const labInputs = (images: Float32Array | Uint8Array) => [0, 1].flatMap((p) => [0, 1, 2].map((c) => tables[c][images[p * 3 + c]]));
    expect(python.counts).toEqual([45_000, 5_000, 10_000]);
    expect(python.testLabels).toEqual(Array.from(dataset.test.labels.slice(0, 10)));
    // float32 values, equal to the bit: the same statistics and the same roundings.
    expect(python.testFirst).toEqual(labInputs(dataset.test.images));
    expect(python.valFirst).toEqual(labInputs(dataset.val.images));
  }, 180_000);
});
