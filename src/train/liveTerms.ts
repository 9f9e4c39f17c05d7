// The distillation terms as the loop trains them at a step: the configuration's terms with the
// live knob changes applied, and their weights after the mixing rule and the warm-up ramp
// (docs/ARCHITECTURE.md §4.2).
import { getMethod, resolveParams, termWeights, warmupEpochs, warmupFactor } from '../kd';
import type { DistillTerm } from './config';
import type { KnobChange, LiveKnobs } from './control';
import type { StepMix } from './trainStep';

/** The terms as the loop trains them now: the configuration's, with live knob changes applied. */
export function applyKnobs(terms: DistillTerm[], changed: Partial<LiveKnobs>): DistillTerm[] {
  const next = terms.map((term) => ({ ...term, params: { ...term.params } }));
  if (next.length === 0) return next;
  // kd_ratio and plain parameter names go to the first term; "method.name" to that method's term.
  if (changed.kdRatio !== undefined) next[0].weight = changed.kdRatio;
  for (const [key, value] of Object.entries(changed.params ?? {})) {
    const dot = key.indexOf('.');
    const term = dot < 0 ? next[0] : next.find((t) => t.method === key.slice(0, dot));
    if (!term) throw new Error(`No term of method "${key.slice(0, dot)}" to set ${key} on`);
    const name = dot < 0 ? key : key.slice(dot + 1);
    term.params = resolveParams(getMethod(term.method), { ...term.params, [name]: value });
  }
  return next;
}

/**
 * What a knob change really changed: the first term's weight as kdRatio, each parameter whose value
 * differs (the first term's by name, another term's as "method.name"); null when nothing did.
 */
export function changedKnobs(before: readonly DistillTerm[], after: readonly DistillTerm[], step: number): KnobChange | null {
  const change: KnobChange = { step };
  if (after.length > 0 && after[0].weight !== before[0].weight) change.kdRatio = after[0].weight;
  const params: Record<string, number> = {};
  after.forEach((term, i) => {
    for (const [name, value] of Object.entries(term.params)) {
      if (before[i].params[name] !== value) params[i === 0 ? name : `${term.method}.${name}`] = value;
    }
  });
  if (Object.keys(params).length > 0) change.params = params;
  return change.kdRatio !== undefined || change.params ? change : null;
}

/**
 * w_ce and each term's weight at this point of training (mixing.ts): the methods' mixing rules,
 * then the warm-up ramp of a method with warm-up parameters (DKD): min(epoch / length, 1), epoch
 * being the fractional number of epochs completed before the step and the length a share of the
 * run's `totalEpochs` (or a fixed number of epochs when the term asks for one).
 */
export function mixAt(terms: readonly DistillTerm[], epoch: number, totalEpochs: number): StepMix {
  const weights = termWeights(terms.map((term) => ({ mixing: getMethod(term.method).mixing, weight: term.weight })));
  return {
    ce: weights.ce,
    terms: terms.map((term, i) => {
      const ramps = getMethod(term.method).params.some((p) => p.name === 'warmupFraction');
      const warmup = ramps ? warmupFactor(epoch, warmupEpochs(term.params, totalEpochs)) : 1;
      return { weight: weights.terms[i] * warmup, params: term.params };
    }),
  };
}
