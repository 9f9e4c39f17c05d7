// The worker's test hooks (docs/ARCHITECTURE.md §3): its tfjs memory, and the failures the browser
// tests provoke on purpose: a lost device, a wasm trap, a crash in the worker's global scope.
import * as tf from '@tensorflow/tfjs-core';
import type { ReplyValue, RequestBody } from '../protocol';
import type { DeviceWatch } from './device';

type HookKind = 'debugMemory' | 'debugLoseDevice' | 'debugEngineFault' | 'debugCrash';
export type TestHooks = { [K in HookKind]: (body: RequestBody<K>) => ReplyValue<K> };

/**
 * The hooks' handlers. `destroyDevice` destroys the WebGPU device (a loss the browser reports);
 * on other backends the loss is simulated and `onLost` hears it as it hears a real one.
 */
export function testHooks(device: DeviceWatch, destroyDevice: () => void, onLost: (message: string) => void): TestHooks {
  return {
    debugMemory: () => {
      const memory = tf.memory();
      return { numTensors: memory.numTensors, numBytes: memory.numBytes, backend: tf.getBackend() };
    },
    debugLoseDevice: () => {
      if (tf.getBackend() === 'webgpu') destroyDevice();
      else device.simulateLoss(`Simulated device loss on the ${tf.getBackend()} backend`, onLost);
      return null;
    },
    debugEngineFault: () => {
      throw new WebAssembly.RuntimeError('memory access out of bounds (simulated by the test hook)');
    },
    debugCrash: () => {
      setTimeout(() => {
        throw new Error('Simulated worker crash');
      });
      return null;
    },
  };
}
