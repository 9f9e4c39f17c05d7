import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, normalizePath, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The built page's Content-Security-Policy: scripts and workers from the page's own origin only
 * (no inline script, no eval; 'wasm-unsafe-eval' lets a WebAssembly backend compile), requests to
 * the same origin only. The dev server goes without it: its hot-reload preamble is an inline script.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/**
 * Cross-origin isolation: SharedArrayBuffer, and with it the wasm backend's threads, exists only on
 * a page served with both headers (on every response: the page, its scripts and its workers). Static
 * hosts that cannot send them get public/coi-serviceworker.js, which re-serves the page with them.
 */
export const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

/** Puts the policy in the built index.html, first in <head>, so it covers every script after it. */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  };
}

/**
 * The PyTorch export's Python files (src/export/python/) as text: Node reads them from disk
 * (src/export/pythonFiles.ts), the page has them bundled (pythonFiles.browser.ts, `?raw`): every
 * import that resolves to the first gets the second.
 */
function bundledPythonFiles(): Plugin {
  const fromDisk = normalizePath(fileURLToPath(new URL('./src/export/pythonFiles.ts', import.meta.url)));
  const bundled = normalizePath(fileURLToPath(new URL('./src/export/pythonFiles.browser.ts', import.meta.url)));
  return {
    name: 'bundled-python-files',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!source.includes('pythonFiles')) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved?.id === fromDisk ? bundled : null;
    },
  };
}

/** tfjs-backend-wasm's Emscripten output: the threaded factory as published, and its pthread worker (shipped only as a string). */
const WASM_OUT = path.join(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
const PTHREAD_FILES: Record<string, () => string> = {
  // The string's "\n" escapes are newlines once it is a string: written back as escapes, as tfjs does.
  'tfjs-backend-wasm-threaded-simd.worker.js': () =>
    (createRequire(import.meta.url)(path.join(WASM_OUT, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string }).wasmWorkerContents.replace(/\n/g, '\\n'),
  'tfjs-backend-wasm-threaded-simd.js': () => readFileSync(path.join(WASM_OUT, 'tfjs-backend-wasm-threaded-simd.js'), 'utf8'),
};
const PTHREAD_DEV_PREFIX = '/@wasm-pthread/';

/**
 * The wasm backend's pthread scripts as files of the page's origin (src/backends/wasmThreads.ts says
 * why): `import url from '@tensorflow/tfjs-backend-wasm/wasm-out/<name>?url'` gives the URL of the
 * file as tfjs publishes it (the pthread worker: the text of its string), emitted as an asset by the
 * build, served by the dev server, never passed through the bundler.
 */
function wasmPthreadFiles(): Plugin {
  let serve = false;
  return {
    name: 'wasm-pthread-files',
    enforce: 'pre',
    configResolved(config) {
      serve = config.command === 'serve';
    },
    resolveId(source) {
      const match = /^@tensorflow\/tfjs-backend-wasm\/wasm-out\/([^?]+)\?url$/.exec(source);
      return match && PTHREAD_FILES[match[1]] ? `\0wasm-pthread:${match[1]}` : null;
    },
    load(id) {
      if (!id.startsWith('\0wasm-pthread:')) return null;
      const name = id.slice('\0wasm-pthread:'.length);
      if (serve) return `export default ${JSON.stringify(PTHREAD_DEV_PREFIX + name)};`;
      const reference = this.emitFile({ type: 'asset', name, source: PTHREAD_FILES[name]() });
      return `export default import.meta.ROLLUP_FILE_URL_${reference};`;
    },
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const name = request.url?.startsWith(PTHREAD_DEV_PREFIX) ? request.url.slice(PTHREAD_DEV_PREFIX.length).split('?')[0] : null;
        if (!name || !PTHREAD_FILES[name]) return next();
        response.setHeader('Content-Type', 'text/javascript');
        for (const [header, value] of Object.entries(CROSS_ORIGIN_ISOLATION)) response.setHeader(header, value);
        response.end(PTHREAD_FILES[name]());
      });
    },
  };
}

export default defineConfig({
  // Relative base: the built lab works from any folder of any static host.
  base: './',
  plugins: [react(), contentSecurityPolicy(), bundledPythonFiles(), wasmPthreadFiles()],
  worker: { format: 'es', plugins: () => [bundledPythonFiles(), wasmPthreadFiles()] },
  server: { headers: CROSS_ORIGIN_ISOLATION },
  // `vite preview` serves the build with the policy as a header too (frame-ancestors works only there).
  preview: { headers: { ...CROSS_ORIGIN_ISOLATION, 'Content-Security-Policy': `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'` } },
  optimizeDeps: {
    // Crawl the worker too, so the dev server does not discover tfjs late and reload the page.
    entries: ['index.html', 'src/worker/trainer.worker.ts'],
    include: [
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-layers',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-webgl',
    ],
  },
  build: { target: 'es2022' },
});
