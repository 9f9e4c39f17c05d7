// Debian's Chromium on the real WebGPU code path (SwiftShader, docs/ARCHITECTURE.md §6) and the app served by
// Vite: shared by the browser tests and the benchmark. `launchChromium({ gpu: true })` asks for the
// machine's own GPU instead (the benchmark's --gpu, docs/benchmark.md).
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { createServer, preview, type InlineConfig } from 'vite';
import { labBuild } from '../labBuild';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The hardware-GPU launch (headless, WebGPU and WebGL over Vulkan through ANGLE, the GPU block list
 * ignored): what `npm run gpu:check` uses on a machine with a GPU. Where Chromium finds none it
 * falls back to a software adapter, which the benchmark names as such.
 */
export const CHROMIUM_GPU_ARGS: readonly string[] = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=vulkan',
  '--disable-vulkan-surface',
  '--ignore-gpu-blocklist',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The key the lab remembers a forced backend under (src/state/actions.ts BACKEND_STORAGE_KEY). */
export const BACKEND_STORAGE_KEY = 'distillation-lab.backend';

/**
 * Every page of the browser tests forces WebGPU (the lab itself would race SwiftShader against cpu
 * and pick cpu): the tests exercise the real WebGPU code path. A URL hash with "auto-backend"
 * clears the choice (the lab chooses), "keep-backend" leaves what the page remembered.
 */
const FORCE_WEBGPU = `(() => {
  try {
    if (location.hash.includes('auto-backend')) localStorage.removeItem(${JSON.stringify(BACKEND_STORAGE_KEY)});
    else if (!location.hash.includes('keep-backend')) localStorage.setItem(${JSON.stringify(BACKEND_STORAGE_KEY)}, 'webgpu');
  } catch {}
})();`;

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** The machine's own GPU (CHROMIUM_GPU_ARGS) instead of SwiftShader (CHROMIUM_ARGS). */
  gpu?: boolean;
}

/** A headless Chromium with a fresh profile in a temporary folder, removed on close. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: install it with "apt-get install -y chromium" (.ci/run does)`);
  }
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'distillation-lab-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...(options.gpu ? CHROMIUM_GPU_ARGS : CHROMIUM_ARGS)],
    viewport: { width: 1280, height: 900 },
  });
  await context.addInitScript({ content: FORCE_WEBGPU });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
    },
  };
}

export interface AppServer {
  url: string;
  close(): Promise<void>;
}

// Own dependency cache, so a developer's `npm run dev` in the same checkout is not disturbed.
const sharedConfig: InlineConfig = {
  root: PROJECT_ROOT,
  logLevel: 'warn',
  clearScreen: false,
  cacheDir: path.join(PROJECT_ROOT, 'node_modules', '.vite-e2e'),
};

/**
 * The Vite dev server on a free port. Every page is listed as an entry so the dependency
 * optimiser bundles tfjs before the first request (no mid-test "optimized, reloading").
 */
export async function startDevServer(): Promise<AppServer> {
  const entries = ['index.html', 'bench.html'].filter((file) => existsSync(path.join(PROJECT_ROOT, file)));
  const server = await createServer({
    ...sharedConfig,
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
    optimizeDeps: { entries },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('Vite dev server has no TCP address');
  return { url: `http://127.0.0.1:${address.port}/`, close: () => server.close() };
}

/** A production build (what users get) served by `vite preview` on a free port. */
export async function startPreviewServer(): Promise<AppServer> {
  const built = await labBuild();
  const outDir = built.outDir;
  const server = await preview({ ...sharedConfig, build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('Vite preview server has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    async close() {
      await server.close();
      await built.release();
    },
  };
}
