// Which backends the worker races: a WebGPU adapter, software or hardware, against the cpu-side
// backends; each verdict kept under a key that names the adapter, so a second GPU or browser races anew.
import { describe, expect, it } from 'vitest';
import { adapterName, raceKey, softwareAdapterName, webGpuRace } from '../../src/worker/backend';

const swiftShader = { info: { vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader Device (Subzero)' } };
const intel = { info: { vendor: 'intel', architecture: 'gen-12lp', device: '', description: 'Intel(R) Iris(R) Xe Graphics' } };

describe('the backend race', () => {
  it('a hardware adapter is raced against wasm and cpu like a software one, not taken unmeasured', () => {
    const hardware = webGpuRace(softwareAdapterName(intel), adapterName(intel), ['wasm', 'cpu']);
    expect(softwareAdapterName(intel)).toBeNull();
    expect(hardware.candidates).toEqual(['wasm', 'cpu', 'webgpu']);
    expect(hardware.note).toBe('webgpu on intel gen-12lp Intel(R) Iris(R) Xe Graphics, measured; ');
    const software = webGpuRace(softwareAdapterName(swiftShader), adapterName(swiftShader), ['wasm', 'cpu']);
    expect(software.candidates).toEqual(['wasm', 'cpu', 'webgpu']);
    expect(software.note).toMatch(/^webgpu is a software adapter here \(google swiftshader/);
  });

  it('verdicts are kept per adapter: two GPUs, or one GPU in two browsers, have different keys', () => {
    const key = (adapter: typeof intel, browser: string) => {
      const race = webGpuRace(softwareAdapterName(adapter), adapterName(adapter), ['wasm', 'cpu']);
      return raceKey(race.adapter, race.candidates, 8, browser);
    };
    expect(key(intel, 'Chrome/131')).not.toBe(key(swiftShader, 'Chrome/131'));
    expect(key(intel, 'Chrome/131')).not.toBe(key(intel, 'Chrome/132'));
    expect(key(intel, 'Chrome/131')).toBe(key(intel, 'Chrome/131'));
  });

  it('an adapter without words is still named', () => {
    expect(adapterName({ info: {} })).toBe('GPU adapter');
    expect(adapterName(null)).toBe('GPU adapter');
  });
});
