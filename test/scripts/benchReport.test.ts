// The bench's report (scripts/benchReport.ts): which PyTorch run a row is compared with, how a GPU
// row's adapter is judged, the evaluation column, and nvidia-smi's CSV.
import { describe, expect, it } from 'vitest';
import type { BackendBench } from '../../scripts/benchSteps';
import { adapterFields, parseNvidiaSmi, peerTable, referenceRuns, SOFTWARE_ADAPTER_NOTE, table, type PyTorchBench, type Row } from '../../scripts/benchReport';

const timing = (samplesPerSecond: number) => ({ samplesPerSecond, msPerStep: 64_000 / samplesPerSecond, samplesPerCpuSecond: samplesPerSecond });

function peer(backend: string, threads: number, sps: number, imagesPerSecond: number): PyTorchBench {
  return {
    backend,
    setup: 'mnist',
    torch: '1.13',
    threads,
    timings: { studentOnly: timing(sps), kdLive: timing(sps / 4), kdCached: timing(sps) },
    evaluation: { images: 1024, batchSize: 256, rounds: 3, imagesPerSecond, msPerPass: 1024_000 / imagesPerSecond, imagesPerCpuSecond: imagesPerSecond },
  };
}

function bench(sps: number, imagesPerSecond: number): BackendBench {
  const t = { ...timing(sps), fastestMsPerStep: 1, roundMsPerStep: [1], readbacksPerStep: 0 };
  return {
    timings: { studentOnly: t, kdLive: t, kdCached: t },
    cachedOverStudentOnly: 1,
    liveOverStudentOnly: 1,
    cachedRatioQuartiles: [1, 1],
    kdExtraMsPerStep: 0.5,
    predictedCachedOverStudentOnly: 1.01,
    rounds: 3,
    evaluation: { images: 1024, batchSize: 256, warmupBatches: 1, rounds: 3, imagesPerSecond, msPerPass: 1, fastestMsPerPass: 1, roundMsPerPass: [1], imagesPerCpuSecond: imagesPerSecond },
  } as unknown as BackendBench;
}

const swiftShader = 'google swiftshader SwiftShader Device (Subzero)';
const h100 = 'nvidia hopper NVIDIA H100 80GB HBM3';

describe('the bench report', () => {
  it('judges the adapter of the GPU rows only', () => {
    expect(adapterFields('chromium-webgpu', swiftShader)).toEqual({ adapter: swiftShader, softwareAdapter: true });
    expect(adapterFields('chromium-webgl', 'ANGLE (NVIDIA, Vulkan 1.3 (NVIDIA H100 80GB HBM3), NVIDIA)')).toMatchObject({ softwareAdapter: false });
    expect(adapterFields('chromium-webgpu', null)).toEqual({ adapter: null, softwareAdapter: null });
    expect(adapterFields('chromium-wasm', null)).toEqual({});
    expect(adapterFields('node-wasm', null)).toEqual({});
  });

  it('compares the webgl and webgpu rows with PyTorch on CUDA where it ran for the setup, every other row with PyTorch on the CPU', () => {
    const cpu = [peer('pytorch-cpu', 1, 9000, 14000)];
    const cuda = [peer('pytorch-cuda', 16, 90000, 500000)];
    expect(referenceRuns({ backend: 'chromium-webgpu', setup: 'mnist' }, cpu, cuda)).toEqual({ runs: cuda, cuda: true });
    expect(referenceRuns({ backend: 'chromium-webgl', setup: 'mnist' }, cpu, cuda).cuda).toBe(true);
    expect(referenceRuns({ backend: 'chromium-wasm', setup: 'mnist' }, cpu, cuda)).toEqual({ runs: cpu, cuda: false });
    expect(referenceRuns({ backend: 'chromium-webgpu', setup: 'digits' }, cpu, cuda)).toEqual({ runs: cpu, cuda: false });
    expect(referenceRuns({ backend: 'chromium-webgpu', setup: 'mnist' }, cpu, [])).toEqual({ runs: cpu, cuda: false });
  });

  it('prints the evaluation as a fraction of the fastest PyTorch run, and marks a software adapter\'s rows', () => {
    const cpu = [peer('pytorch-cpu', 1, 9000, 14000), peer('pytorch-cpu', 2, 10000, 20000)];
    const cuda = [peer('pytorch-cuda', 16, 90000, 400000)];
    const rows: Row[] = [
      { backend: 'node-wasm', setup: 'mnist', threads: 1, result: bench(5000, 10000) },
      { backend: 'chromium-webgpu', setup: 'mnist', threads: 1, result: bench(10, 100), ...adapterFields('chromium-webgpu', swiftShader) },
      { backend: 'chromium-webgl', setup: 'mnist', threads: 1, result: bench(9000, 40000), ...adapterFields('chromium-webgl', h100) },
    ];
    const lines = peerTable(rows, cpu, cuda).split('\n');
    expect(lines[0]).toMatch(/^backend\s+threads\s+setup\s+student-only\s+kd-live\s+kd-cached\s+evaluation\s+note$/);
    expect(lines.find((l) => l.startsWith('pytorch ') && l.includes(' 2 '))).toContain('20000/s (cpu 20000) *');
    expect(lines.find((l) => l.startsWith('pytorch-cuda'))).toContain('400000/s');
    // 10000 images/s against the 2-thread run's 20000: 1/2.0; per CPU-second against 1 thread's 14000: 1/1.4.
    expect(lines.find((l) => l.startsWith('node-wasm'))).toContain('10000/s = 1/2.0 (cpu 10000 = 1/1.4)');
    const webgpu = lines.find((l) => l.startsWith('chromium-webgpu'))!;
    expect(webgpu).toContain('100/s = 1/4000.0');
    expect(webgpu).toMatch(new RegExp(`vs pytorch-cuda; ${SOFTWARE_ADAPTER_NOTE}$`));
    const webgl = lines.find((l) => l.startsWith('chromium-webgl'))!;
    expect(webgl).toContain('40000/s = 1/10.0');
    expect(webgl).toMatch(/vs pytorch-cuda$/);
    const tfjs = table(rows).split('\n');
    expect(tfjs[0]).toMatch(/kd-cached\s+evaluation\s+cached\/student/);
    expect(tfjs.find((l) => l.startsWith('chromium-webgpu'))).toMatch(new RegExp(`${SOFTWARE_ADAPTER_NOTE}$`));
    expect(tfjs.find((l) => l.startsWith('node-wasm'))).toContain('10000/s');
  });

  it('has no note column when no row needs one', () => {
    const rows: Row[] = [{ backend: 'node-wasm', setup: 'mnist', threads: 1, result: bench(5000, 10000) }];
    expect(table(rows).split('\n')[0]).not.toContain('note');
    expect(peerTable(rows, [peer('pytorch-cpu', 1, 9000, 14000)]).split('\n')[0]).not.toContain('note');
  });

  it('reads nvidia-smi\'s CSV, one GPU a line', () => {
    expect(parseNvidiaSmi('NVIDIA H100 80GB HBM3, 550.54.15, 81559 MiB\nNVIDIA H100 80GB HBM3, 550.54.15, 81559 MiB\n')).toEqual([
      { name: 'NVIDIA H100 80GB HBM3', driverVersion: '550.54.15', memoryTotal: '81559 MiB' },
      { name: 'NVIDIA H100 80GB HBM3', driverVersion: '550.54.15', memoryTotal: '81559 MiB' },
    ]);
    expect(parseNvidiaSmi('')).toEqual([]);
  });
});
