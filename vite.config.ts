import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  // Relative base: the built lab works from any folder of any static host.
  base: './',
  plugins: [react()],
  worker: { format: 'es' },
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
