// How the lab puts its own kernels in place of tfjs' on a backend (docs/ARCHITECTURE.md §6, §8):
// a table of overrides, each a kernel name and a function that answers the calls it knows and
// leaves the others to the tfjs kernel it replaces. wasmKernels.ts and cpuKernels.ts hold the tables.
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/** What tfjs hands a kernel: its inputs, the backend and the attributes. */
export type KernelArgs = Parameters<KernelFunc>[0];

/** One of tfjs' kernels replaced by the lab's on a backend. */
export interface KernelOverride {
  kernelName: string;
  /** The lab's kernel: its output, or null to leave this call to tfjs' kernel of the same name. */
  run(args: KernelArgs): TensorInfo | null;
  /**
   * Registered even where the backend has no kernel of this name (a call it leaves to tfjs' then
   * fails, naming the kernel); by default an override is registered only in place of tfjs' own.
   */
  evenWithoutOriginal?: boolean;
  /** Keep the replaced kernel's setupFunc (a wasm kernel's binds the module function it calls). */
  keepSetup?: boolean;
}

/** Register each of `overrides` for `backendName`, in table order, in place of tfjs' kernel of its name. */
export function overrideKernels(backendName: string, overrides: readonly KernelOverride[]): void {
  for (const { kernelName, run, evenWithoutOriginal = false, keepSetup = false } of overrides) {
    const original = tf.getKernel(kernelName, backendName);
    if (!original && !evenWithoutOriginal) continue;
    const fallback = (args: KernelArgs) => {
      if (!original) throw new Error(`the ${backendName} backend has no ${kernelName} kernel`);
      return original.kernelFunc(args);
    };
    if (original) tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({
      kernelName,
      backendName,
      setupFunc: keepSetup ? original?.setupFunc : undefined,
      kernelFunc: (args) => run(args) ?? fallback(args),
    });
  }
}
