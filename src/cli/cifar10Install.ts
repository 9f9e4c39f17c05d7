// Whether public/ holds a complete CIFAR-10 install (src/data/cifar10Install.ts): its manifest,
// and every file at its size on disk.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CIFAR10_FILE_BYTES, CIFAR10_FILES, CIFAR10_INSTALL, manifestProblem } from '../data/cifar10Install';

/** Why CIFAR-10 cannot be read from `publicDir`, or null. */
export function cifar10Problem(publicDir: string): string | null {
  const folder = path.join(publicDir, CIFAR10_INSTALL.folder);
  const manifestPath = path.join(folder, CIFAR10_INSTALL.manifest);
  let manifest: unknown = null;
  try {
    if (existsSync(manifestPath)) manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    manifest = null;
  }
  const problem = manifestProblem(manifest);
  if (problem) return problem;
  const wrong = CIFAR10_FILES.filter((name) => {
    const file = path.join(folder, name);
    return !existsSync(file) || statSync(file).size !== CIFAR10_FILE_BYTES;
  });
  return wrong.length ? `CIFAR-10's install lacks ${wrong.join(', ')}: \`${CIFAR10_INSTALL.command} -- --force\` installs it again` : null;
}
