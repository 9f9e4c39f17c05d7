// The layer pairs of every term checked before a run, without building the run: what the layer
// pickers show (the pairs a term would read, its defaults) and the refusal for each term, in the
// same words a run would use (resolveLayerPairs, checkLayerPairs).
import { methodSpec, hasMethod, readsLayers as methodReadsLayers, resolveParams } from '../kd/methods';
import type { Tap } from '../models/taps';
import type { DistillTerm } from './config';
import { checkLayerPairs } from './distillPlan';
import { chosenLayers, defaultLayerPairs, pairedTaps, resolveLayerPairs, type LayerPairs } from './layerPairs';
import { errorMessage } from '../core/errors';

export interface TermLayerCheck {
  method: string;
  /** Whether the method reads layers at all (false for logit methods: nothing to pick). */
  readsLayers: boolean;
  /** The layers the term would read: its own choice, else the method's defaults. */
  studentLayers: string[];
  teacherLayers: string[];
  /** The method's reference choice for these two networks. */
  defaults: LayerPairs;
  /** Why the term cannot read those layers (names both layers and shapes), or null. */
  problem: string | null;
}

const message = errorMessage;

/** Check each term's layers against the student's and the teacher's taps. */
export function checkTermLayers(terms: readonly DistillTerm[], studentTaps: readonly Tap[], teacherTaps: readonly Tap[], numClasses: number): TermLayerCheck[] {
  return terms.map((term) => {
    if (!hasMethod(term.method)) {
      return { method: term.method, readsLayers: false, studentLayers: [], teacherLayers: [], defaults: { studentLayers: [], teacherLayers: [] }, problem: `Unknown method "${term.method}"` };
    }
    const method = methodSpec(term.method);
    const readsLayers = methodReadsLayers(method);
    const defaults = defaultLayerPairs(term.method, studentTaps, teacherTaps);
    const check: TermLayerCheck = { method: term.method, readsLayers, ...chosenLayers(term, defaults), defaults, problem: null };
    try {
      const { students, teachers } = pairedTaps(resolveLayerPairs(term, studentTaps, teacherTaps), studentTaps, teacherTaps);
      checkLayerPairs(term.method, students, teachers, numClasses, resolveParams(method, term.params));
    } catch (error) {
      check.problem = message(error);
    }
    return check;
  });
}
