// Help lines of the method panel, from each method's metadata (docs/ARCHITECTURE.md §4.2, src/kd/mixing.ts).
import { otherSide, type MethodSpec } from '../../kd/methods';

/** How the weight of `method` mixes with hard-label CE, as the loop trains it. */
export function weightHelp(method: MethodSpec, inRecipe = false, firstTerm = false): string {
  const reference = `Reference weight: ${method.defaultWeight}.`;
  if (inRecipe) {
    const ce =
      firstTerm && method.mixing === 'ratio'
        ? `As the first term and KD-style, it also sets CE's weight: 1 − w below 1, 0 at 1, 1 above 1.`
        : 'CE keeps weight 1 unless the first term mixes by ratio (KD).';
    return `Adds w·${method.id} to the loss. ${ce} ${reference}`;
  }
  if (method.mixing === 'ratio') {
    return `${method.id} mixes by ratio: below 1, (1 − r)·CE + r·${method.id} (0 = hard labels only); r = 1: soft labels only; from 1 up, CE + r·${method.id}. ${reference}`;
  }
  return `${method.id} adds to CE: loss = CE + r·${method.id} (CE always at full weight; r only scales the term, on its own scale). ${reference}`;
}

/** What the layer pickers of a method are for. */
export function layerHelp(method: MethodSpec): string {
  const use = method.layers;
  if (use.reads === 'features') {
    return `${method.label} reads feature maps (height × width × channels), student and ${otherSide(method)} paired by position.`;
  }
  if (use.reads === 'embedding') {
    const extra = use.extraFeaturePairs.filter((n) => n > 0);
    return (
      `${method.label} reads the last pair as embeddings (flattened per sample)` +
      (extra.length ? `; ${extra.map((n) => n).join(' or ')} feature-map pairs may come before it.` : '.')
    );
  }
  return '';
}
