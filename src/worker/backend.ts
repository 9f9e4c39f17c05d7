// Backend selection inside the worker: webgpu -> webgl -> cpu, probing before trusting tfjs
// (DESIGN §7: with a null adapter setBackend('webgpu') resolves false and leaves no backend).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import { installFastCpuKernels } from '../train/cpuKernels';
import type { BackendName } from './protocol';

export interface BackendChoice {
  backend: BackendName;
  /** Why a faster backend was not used, or null when the first choice worked. */
  fallbackReason: string | null;
}

const ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'cpu'];

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function tryWebGpu(): Promise<string | null> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return 'WebGPU is not available here (navigator.gpu is missing)';
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (error) {
    return `WebGPU adapter request failed: ${describe(error)}`;
  }
  if (!adapter) return 'WebGPU has no adapter (requestAdapter() returned null)';
  return (await setBackendChecked('webgpu')) ? null : 'tfjs could not start its WebGPU backend';
}

async function tryWebGl(): Promise<string | null> {
  try {
    await import('@tensorflow/tfjs-backend-webgl');
  } catch (error) {
    return `the WebGL backend failed to load: ${describe(error)}`;
  }
  if (typeof OffscreenCanvas === 'undefined') return 'WebGL in a worker needs OffscreenCanvas, which is missing';
  return (await setBackendChecked('webgl')) ? null : 'WebGL is not available (no context)';
}

async function setBackendChecked(name: BackendName): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return false;
    await tf.ready();
    return tf.getBackend() === name;
  } catch {
    return false;
  }
}

export async function useCpu(): Promise<void> {
  installFastCpuKernels();
  if (!(await setBackendChecked('cpu'))) throw new Error('Even the cpu backend failed to start');
}

/** Pick the fastest working backend, starting at `preferred` (for tests and slow machines). */
export async function selectBackend(preferred?: BackendName): Promise<BackendChoice> {
  const start = preferred ? ORDER.indexOf(preferred) : 0;
  const reasons: string[] = [];
  for (const name of ORDER.slice(Math.max(start, 0))) {
    if (name === 'webgpu') {
      const problem = await tryWebGpu();
      if (problem === null) return { backend: 'webgpu', fallbackReason: reasons.join('; ') || null };
      reasons.push(problem);
    } else if (name === 'webgl') {
      const problem = await tryWebGl();
      if (problem === null) return { backend: 'webgl', fallbackReason: reasons.join('; ') || null };
      reasons.push(problem);
    } else {
      await useCpu();
      return { backend: 'cpu', fallbackReason: reasons.join('; ') || null };
    }
  }
  await useCpu();
  return { backend: 'cpu', fallbackReason: reasons.join('; ') || null };
}

/** The WebGPU device's `lost` promise, when the current backend is webgpu. */
export function webGpuDeviceLost(): Promise<GPUDeviceLostInfo> | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  return device?.lost ?? null;
}

export function destroyWebGpuDevice(): void {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  device?.destroy();
}
