// The WebGPU device's health, for the lab object: whether it was lost, and whether a failure was
// that loss (a failed step on a lost device is reported as the loss, with the browser's reason).
import { errorMessage } from '../../core/errors';

export class DeviceWatch {
  private lost = false;
  private signal: Promise<GPUDeviceLostInfo> | null = null;
  private lostMessage = '';

  /** Follow the device's `lost` promise (null: no WebGPU device); `onLost` hears the loss once. */
  watch(signal: Promise<GPUDeviceLostInfo> | null, onLost: (message: string) => void): void {
    this.signal = signal;
    signal?.then((info) => {
      this.lost = true;
      this.lostMessage = `The WebGPU device was lost (${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''})`;
      onLost(this.lostMessage);
    });
  }

  /** A simulated loss on a backend without a device (the test hook). */
  simulateLoss(message: string, onLost: (message: string) => void): void {
    this.lost = true;
    this.lostMessage = message;
    onLost(message);
  }

  get isLost(): boolean {
    return this.lost;
  }

  get message(): string {
    return this.lostMessage;
  }

  /**
   * Whether a failure was the device going away. Its `lost` promise can settle seconds after the
   * first failed GPU call (measured under load on SwiftShader), so a failure that reads like a GPU
   * one waits longer for it than any other failure.
   */
  async causedLoss(failure?: unknown): Promise<boolean> {
    if (this.lost) return true;
    if (!this.signal) return false;
    const gpuLike = /GPU|mapAsync|device/i.test(errorMessage(failure ?? ''));
    await Promise.race([this.signal, new Promise((resolve) => setTimeout(resolve, gpuLike ? 5000 : 500))]);
    return this.lost;
  }
}

/**
 * Whether a failure is a trap or an abort inside a WebAssembly engine (tfjs' wasm backend, the
 * lab's SIMD kernels): after one, the module's memory may be corrupt and every later call suspect
 * (measured: a 1×1-image run left the next valid upload failing with the same message).
 */
export function isEngineFault(failure: unknown): boolean {
  if (typeof WebAssembly !== 'undefined' && failure instanceof WebAssembly.RuntimeError) return true;
  return /memory access out of bounds|Aborted\(|RuntimeError|unreachable executed|table index is out of bounds|indirect call/i.test(errorMessage(failure ?? ''));
}
