// The distillation terms as the loop trains them: resolved once when the run starts (the plan's
// terms, whose parameters buildDistillPlan resolved) and again only when a live knob changes
// them, never at a step (docs/ARCHITECTURE.md §3); a step gets them with the warm-up ramps of its
// moment (docs/ARCHITECTURE.md §4.2). The soft-label share keeps one name, kdRatio, from the
// slider (the kd_ratio knob, knobs.ts) to the step.
import { checkWeight, getMethod, resolveParams, warmupEpochs, warmupFactor, type DistillMethod, type ResolvedParams } from '../kd';
import type { ExperimentConfig } from './config';
import type { KnobChange, LiveKnobs } from './control';
import type { ResolvedTerm } from './distillPlan';
import type { StepKnobs } from './trainStep';

/** One term, resolved: what a step reads of it without looking anything up or checking it. */
export interface LiveTerm {
  readonly method: DistillMethod;
  /** Every parameter present (defaults filled in), no unknown name: resolveParams. */
  readonly params: ResolvedParams;
  /** A recipe's later term: its own weight. The first (or only) term has none: it weighs kdRatio. */
  readonly weight?: number;
  /** The epochs its warm-up lasts in this run (0: none), from its parameters and the run's horizon. */
  readonly warmupEpochs: number;
}

export interface LiveTerms {
  /**
   * kd_ratio, the soft-label share: the single method's, or a recipe's first term's weight (the
   * same knob moves it: src/state/recipe.ts keeps the two equal). Checked to be >= 0.
   */
  readonly kdRatio: number;
  readonly terms: readonly LiveTerm[];
  /** The run's length in epochs that a warm-up's share is taken of (schedule.ts RunLength.horizonEpochs). */
  readonly horizonEpochs: number;
}

/** A term as the plan hands it over (parameters already resolved); a later recipe term with its weight. */
export type StartTerm = Pick<ResolvedTerm, 'method' | 'params'> & { weight?: number };

/**
 * The terms as the loop starts them: the plan's (their parameters resolved when it was built, so
 * nothing is resolved again here), kdRatio as the configuration sets it, each later recipe term's
 * weight, and each warm-up's length. A caller without a plan (the benchmark) passes its own
 * resolved terms.
 */
export function startTerms(config: Pick<ExperimentConfig, 'kdRatio'> & Partial<Pick<ExperimentConfig, 'terms'>>, terms: readonly StartTerm[], horizonEpochs: number): LiveTerms {
  const kdRatio = config.terms?.[0]?.weight ?? config.kdRatio;
  if (terms.length > 0) checkWeight(kdRatio, 'kd_ratio');
  return {
    kdRatio,
    horizonEpochs,
    terms: terms.map((term, i) => liveTerm(getMethod(term.method), term.params, i === 0 ? undefined : checkWeight(term.weight ?? Number.NaN, `The weight of ${term.method}`), horizonEpochs)),
  };
}

function liveTerm(method: DistillMethod, params: ResolvedParams, weight: number | undefined, horizonEpochs: number): LiveTerm {
  // Only a method with a warm-up parameter (DKD) ramps its term in (mixing.ts).
  const ramps = method.params.some((p) => p.name === 'warmupFraction');
  const term: LiveTerm = { method, params, warmupEpochs: ramps ? warmupEpochs(params, horizonEpochs) : 0 };
  return weight === undefined ? term : { ...term, weight };
}

/**
 * Live knob changes applied: kd_ratio and plain parameter names go to the first term, "method.name"
 * to that method's term. Only a term whose parameters changed is resolved again, once for all its
 * changed names; the others are kept as they are, objects and all.
 */
export function applyKnobs(live: LiveTerms, changed: Partial<LiveKnobs>): LiveTerms {
  if (live.terms.length === 0) return live;
  const kdRatio = changed.kdRatio === undefined ? live.kdRatio : checkWeight(changed.kdRatio, 'kd_ratio');
  const byTerm = new Map<number, Record<string, number>>();
  for (const [key, value] of Object.entries(changed.params ?? {})) {
    const dot = key.indexOf('.');
    const index = dot < 0 ? 0 : live.terms.findIndex((t) => t.method.id === key.slice(0, dot));
    if (index < 0) throw new Error(`No term of method "${key.slice(0, dot)}" to set ${key} on`);
    byTerm.set(index, { ...byTerm.get(index), [dot < 0 ? key : key.slice(dot + 1)]: value });
  }
  const terms = live.terms.map((term, i) => {
    const names = byTerm.get(i);
    // A value it already trains with is no change (an unknown name always is one, and is refused).
    if (!names || Object.entries(names).every(([name, value]) => term.params[name] === value)) return term;
    return liveTerm(term.method, resolveParams(term.method, { ...term.params, ...names }), term.weight, live.horizonEpochs);
  });
  return { ...live, kdRatio, terms };
}

/**
 * What a knob change really changed: kdRatio, each parameter whose value differs (the first term's
 * by name, another term's as "method.name"); null when nothing did.
 */
export function changedKnobs(before: LiveTerms, after: LiveTerms, step: number): KnobChange | null {
  const change: KnobChange = { step };
  if (after.terms.length > 0 && after.kdRatio !== before.kdRatio) change.kdRatio = after.kdRatio;
  const params: Record<string, number> = {};
  after.terms.forEach((term, i) => {
    for (const [name, value] of Object.entries(term.params)) {
      if (before.terms[i].params[name] !== value) params[i === 0 ? name : `${term.method.id}.${name}`] = value;
    }
  });
  if (Object.keys(params).length > 0) change.params = params;
  return change.kdRatio !== undefined || change.params ? change : null;
}

/**
 * What a step at `epoch` (the fractional number of epochs completed before it) trains with: the
 * resolved terms as they are, each with its warm-up ramp min(epoch / length, 1) (mixing.ts).
 */
export function knobsAt(live: LiveTerms, epoch: number): StepKnobs {
  return {
    kdRatio: live.kdRatio,
    terms: live.terms.map((term) => ({ params: term.params, weight: term.weight, ramp: warmupFactor(epoch, term.warmupEpochs) })),
  };
}
