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

export default defineConfig({
  // Relative base: the built lab works from any folder of any static host.
  base: './',
  plugins: [react(), contentSecurityPolicy(), bundledPythonFiles()],
  worker: { format: 'es', plugins: () => [bundledPythonFiles()] },
  // `vite preview` serves the build with the policy as a header too (frame-ancestors works only there).
  preview: { headers: { 'Content-Security-Policy': `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'` } },
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
