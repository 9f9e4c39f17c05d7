/**
 * How a training step weights hard-label CE against the distillation terms:
 *   loss = w_ce * CE(student, labels) + sum_i w_i * warmup_i * L_i
 *
 * Each method's metadata says which rule its weight follows (`MethodSpec.mixing`):
 * - 'ratio' (kd, the classroom slider; docs/ARCHITECTURE.md): r in [0, 1): w_ce = 1 - r, w = r
 *   (0 = hard labels only); r = 1: soft labels only (w_ce = 0); r > 1: w_ce = 1, w = r (a jump
 *   at 1, which is why validateConfig keeps a single ratio method's r in [0, 1]).
 * - 'additive' (every other method, as its reference trains it: DKD with weight 1, AT with 1000,
 *   FitNet 100, ...): w_ce = 1, w = r.
 * r is kd_ratio, the soft-label share the user sets (the slider, `kd_ratio` in URLs, the CLI and
 * CSV): the single method's, and in a recipe (several terms) its first term's weight, which the same
 * knob moves; every later term contributes w_i = its own weight, and w_ce comes from the first term
 * when that one mixes by ratio, else it is 1.
 * warmup_i is 1 except for a method with warm-up parameters (DKD): the training loop ramps its
 * term by min(epoch / warmupEpochs(params, run length), 1), epoch being the fractional number of
 * epochs completed before the step (0 on the very first step; mdistiller uses the 1-based epoch
 * number instead). The length is a share of the run, so a short run ramps like the paper's.
 */
import type { MixingRule } from './types';

export function mixWeights(kdRatio: number): { ce: number; kd: number } {
  if (kdRatio < 0) throw new Error(`kd_ratio must be >= 0 (got ${kdRatio})`);
  return ratioRule(kdRatio);
}

/** The 'ratio' rule for a kd_ratio already checked to be >= 0. */
function ratioRule(kdRatio: number): { ce: number; kd: number } {
  if (kdRatio >= 1) return { ce: kdRatio === 1 ? 0 : 1, kd: kdRatio };
  return { ce: 1 - kdRatio, kd: kdRatio };
}

/** Refuses a weight below 0 or not a number, by its name; returns it. */
export function checkWeight(weight: number, name: string): number {
  if (!(weight >= 0)) throw new Error(`${name} must be >= 0 (got ${weight})`);
  return weight;
}

/** w_ce and each term's w for a list of terms (a single method is a list of one; none is empty). */
export function termWeights(terms: readonly { mixing: MixingRule; weight: number }[]): { ce: number; terms: number[] } {
  for (const term of terms) checkWeight(term.weight, 'A term weight');
  const first = terms[0];
  const ce = first && first.mixing === 'ratio' ? ratioRule(first.weight).ce : 1;
  return { ce, terms: terms.map((term) => term.weight) };
}

/**
 * w_ce and each term's w at one training step, from values the loop checked when they were set
 * (src/train/liveTerms.ts), so nothing is checked here: the first (or only) term weighs kdRatio,
 * by its method's rule (`first`), a recipe's later terms their own `weight`; each w is then
 * times the term's warm-up ramp (warmupFactor at the step).
 */
export function stepWeights(
  kdRatio: number,
  first: MixingRule | undefined,
  terms: readonly { weight?: number; ramp: number }[],
): { ce: number; terms: number[] } {
  const ce = first === 'ratio' ? ratioRule(kdRatio).ce : 1;
  return { ce, terms: terms.map((term) => (term.weight ?? kdRatio) * term.ramp) };
}

/** The ramp of a term with a warmup (DKD): min(epoch / warmup, 1); a warmup of 0 means none. */
export function warmupFactor(epoch: number, warmup: number): number {
  if (!(warmup > 0)) return 1;
  return Math.min(Math.max(epoch, 0) / warmup, 1);
}

/**
 * How many epochs a term's warm-up lasts in a run of `totalEpochs` (fractional with a step
 * budget): `warmupEpochs` when above 0 (a fixed length), else `warmupFraction` of the run.
 */
export function warmupEpochs(params: Readonly<Record<string, number>>, totalEpochs: number): number {
  if ((params.warmupEpochs ?? 0) > 0) return params.warmupEpochs;
  return (params.warmupFraction ?? 0) * totalEpochs;
}
