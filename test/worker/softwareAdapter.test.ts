// Software adapters told from GPUs by their own words (src/worker/softwareAdapter.ts): the WebGPU
// adapter's words as the worker and the bench join them, and WebGL's unmasked renderer strings.
import { describe, expect, it } from 'vitest';
import { isSoftwareAdapter } from '../../src/worker/softwareAdapter';
import { softwareAdapterName } from '../../src/worker/backend';

describe('isSoftwareAdapter', () => {
  it('names CPU-emulated adapters and renderers as software', () => {
    for (const words of [
      'google swiftshader SwiftShader Device (Subzero)',
      'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
      'ANGLE (Mesa, llvmpipe (LLVM 15.0.6, 256 bits), OpenGL 4.5)',
      'mesa lavapipe llvmpipe (LLVM 15.0.6, 256 bits)',
      'softpipe',
      'Microsoft Basic Render Driver',
      'ANGLE (Microsoft, Microsoft Basic Render Driver (0x0000008C) Direct3D11 vs_5_0 ps_5_0, D3D11)',
      'Google SwiftShader',
      'some Software Adapter',
    ]) {
      expect(isSoftwareAdapter(words), words).toBe(true);
    }
  });

  it('leaves hardware GPUs, and an adapter without words, as not software', () => {
    for (const words of [
      'nvidia hopper NVIDIA H100 80GB HBM3',
      'ANGLE (NVIDIA Corporation, NVIDIA H100 PCIe/PCIe/SSE2, OpenGL 4.5.0 NVIDIA 535.129.03)',
      'ANGLE (NVIDIA, Vulkan 1.3.242 (NVIDIA H100 80GB HBM3 (0x00002330)), NVIDIA)',
      'intel gen-12lp Intel(R) Iris(R) Xe Graphics',
      'apple metal-3 Apple M2',
      // radeonsi names its LLVM: not llvmpipe.
      'ANGLE (AMD, AMD Radeon RX 6800 XT (radeonsi navi21 LLVM 15.0.7), OpenGL 4.6)',
      '',
    ]) {
      expect(isSoftwareAdapter(words), words).toBe(false);
    }
  });

  it('is the classifier the worker\'s race uses', () => {
    expect(softwareAdapterName({ info: { vendor: 'microsoft', description: 'Microsoft Basic Render Driver' } })).toBe('microsoft Microsoft Basic Render Driver');
    expect(softwareAdapterName({ info: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3' } })).toBeNull();
    expect(softwareAdapterName({ isFallbackAdapter: true, info: {} })).toBe('fallback adapter');
  });
});
