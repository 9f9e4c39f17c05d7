// Whether a GPU adapter is a software one (a CPU emulating a GPU), from its own words: a WebGPU
// adapter's vendor, architecture, device and description, or WebGL's (unmasked) renderer string.
// The worker's backend race says so in its verdict (src/worker/backend.ts), and `npm run bench`
// marks such rows as no GPU figure. Pure and tfjs-free, so Node scripts import it too.
// Software adapters seen: Chromium's SwiftShader (its WebGPU adapter and the ANGLE renderer over
// it, docs/ARCHITECTURE.md §6), Mesa's llvmpipe, lavapipe and softpipe, Windows' WARP ("Microsoft
// Basic Render Driver").

/** Words of CPU-emulated adapters and renderers. */
const SOFTWARE_ADAPTER = /swiftshader|subzero|llvmpipe|lavapipe|softpipe|software|basic render/i;

/** True when an adapter's or renderer's description names a software (CPU-emulated) one. */
export function isSoftwareAdapter(description: string): boolean {
  return SOFTWARE_ADAPTER.test(description);
}
