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
