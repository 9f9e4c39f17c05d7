// A run's length and the share of it each fixed-length schedule covers: plain arithmetic on the
// configuration (no tfjs), for the loop, the CLI and the page's estimates.
import { methodSpec, resolveParams } from '../kd/methods';
import { warmupEpochs } from '../kd/mixing';
import { distillTerms, type ExperimentConfig } from './config';

/** The steps a run trains: `steps` when set (it wins over epochs), else epochs × steps per epoch. */
export function plannedSteps(config: Pick<ExperimentConfig, 'epochs' | 'steps'>, stepsPerEpoch: number): number {
  return config.steps ?? config.epochs * stepsPerEpoch;
}

/**
 * What share of the run each schedule with its own time scale covers: a term's warm-up, and
 * the EMA's averaging horizon (about 1 / (1 − decay) steps, whatever the run's length).
 */
export function scheduleNotes(config: ExperimentConfig, stepsPerEpoch: number): string[] {
  const totalSteps = plannedSteps(config, stepsPerEpoch);
  const share = (steps: number) => `${((100 * steps) / totalSteps).toFixed(1)} % of the run's ${totalSteps.toLocaleString('en')} steps`;
  const notes: string[] = [];
  for (const term of distillTerms(config)) {
    const method = methodSpec(term.method);
    if (!method.params.some((p) => p.name === 'warmupFraction')) continue;
    const warmupSteps = warmupEpochs(resolveParams(method, term.params), totalSteps / stepsPerEpoch) * stepsPerEpoch;
    if (warmupSteps > 0) notes.push(`${term.method} warm-up: ${Math.round(warmupSteps).toLocaleString('en')} steps, ${share(warmupSteps)}`);
  }
  if (config.emaDecay) {
    const horizon = 1 / (1 - config.emaDecay);
    notes.push(`EMA decay ${config.emaDecay} averages over about ${Math.round(horizon).toLocaleString('en')} steps, ${share(horizon)}`);
  }
  return notes;
}

/** How long the loop trains, in steps and epochs. */
export interface RunLength {
  /** Full batches per epoch: the last partial batch is dropped, so every batch has the same shape. */
  stepsPerEpoch: number;
  /** The steps to train; Infinity for a run until stopped. */
  totalSteps: number;
  /** The planned length in epochs: a run until stopped keeps it as the horizon its warm-ups ramp over. */
  horizonEpochs: number;
  /** Epochs to train; Infinity for a run until stopped. */
  totalEpochs: number;
  /** Train until stopped: the loop runs on past the planned length (the learning rate is constant: cos(step / ∞) = 1). */
  endless: boolean;
}

export function runLength(config: Pick<ExperimentConfig, 'epochs' | 'steps' | 'batchSize' | 'untilStopped'>, trainCount: number): RunLength {
  const stepsPerEpoch = Math.floor(trainCount / config.batchSize);
  // setUpRun refuses such a batch first; an epoch of no step would loop without end.
  if (stepsPerEpoch < 1) throw new Error(`a batch of ${config.batchSize} is larger than the ${trainCount} training samples: an epoch would have no step`);
  const endless = config.untilStopped === true;
  const planned = plannedSteps(config, stepsPerEpoch);
  return {
    stepsPerEpoch,
    totalSteps: endless ? Infinity : planned,
    horizonEpochs: planned / stepsPerEpoch,
    totalEpochs: endless ? Infinity : planned / stepsPerEpoch,
    endless,
  };
}
