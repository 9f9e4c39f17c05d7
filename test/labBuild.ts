// One production build for the tests that need one: `npm test` builds the page once into the
// folder LAB_BUILD_DIR names, and the bundle check and the browser tests both read that build.
// Run alone (no LAB_BUILD_DIR), each builds its own into a temporary folder and removes it after.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface LabBuild {
  outDir: string;
  /** Remove the build if this call made it (a shared one stays for the next reader). */
  release(): Promise<void>;
}

export async function labBuild(): Promise<LabBuild> {
  const shared = process.env.LAB_BUILD_DIR;
  if (shared) {
    const outDir = path.resolve(ROOT, shared);
    if (!existsSync(path.join(outDir, 'index.html'))) throw new Error(`LAB_BUILD_DIR=${shared} holds no build (index.html): run the build first, as npm test does`);
    return { outDir, release: async () => {} };
  }
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'distillation-lab-build-'));
  await build({ root: ROOT, configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
  return { outDir, release: () => rm(outDir, { recursive: true, force: true }) };
}
