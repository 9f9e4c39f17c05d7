// A run's length: full batches only, `steps` over epochs, and a run until stopped that keeps its planned length as a horizon.
import { describe, expect, it } from 'vitest';
import { runLength } from '../../src/train/schedule';

describe('runLength', () => {
  it('drops the last partial batch and trains epochs × full batches', () => {
    expect(runLength({ epochs: 3, batchSize: 32, untilStopped: false }, 100)).toEqual({ stepsPerEpoch: 3, totalSteps: 9, horizonEpochs: 3, totalEpochs: 3, endless: false });
  });

  it('trains exactly `steps` when set, whatever the epochs', () => {
    expect(runLength({ epochs: 3, steps: 4, batchSize: 25 }, 100)).toEqual({ stepsPerEpoch: 4, totalSteps: 4, horizonEpochs: 1, totalEpochs: 1, endless: false });
  });

  it('until stopped: no end, the planned length kept as the horizon', () => {
    expect(runLength({ epochs: 2, steps: 6, batchSize: 25, untilStopped: true }, 100)).toEqual({ stepsPerEpoch: 4, totalSteps: Infinity, horizonEpochs: 1.5, totalEpochs: Infinity, endless: true });
  });

  it('refuses a batch larger than the training set (an epoch of no step would never end)', () => {
    expect(() => runLength({ epochs: 1, batchSize: 101 }, 100)).toThrow(/batch of 101 is larger than the 100 training samples/);
  });
});
