// Actions of the method panel beyond the method picker: layer pairs, recipe terms, the DML peer
// and the labelled fraction. Like actions.ts, the only code that changes these parts of the store.
import { hasMethod } from '../kd/methods';
import type { DistillTerm, ExperimentConfig } from '../train/config';
import { newTerm, toRecipe, toSingleMethod, withTerms } from './recipe';
import { labStore } from './store';

const config = () => labStore.getState().config;
const setConfig = (next: ExperimentConfig) => labStore.setState({ config: next });

function updateTerms(change: (terms: DistillTerm[]) => DistillTerm[]): void {
  const current = config();
  if (!current.terms) return;
  setConfig(withTerms(current, change(current.terms.map((term) => ({ ...term, params: { ...term.params } })))));
}

/** Explicit layer pairs for term `index` (the single method is term 0), or null for the method's defaults. */
export function setLayerPairs(index: number, pairs: { studentLayers: string[]; teacherLayers: string[] } | null): void {
  const current = config();
  if (current.terms) {
    updateTerms((terms) => {
      const term = terms[index];
      if (!term) return terms;
      if (pairs) {
        term.studentLayers = [...pairs.studentLayers];
        term.teacherLayers = [...pairs.teacherLayers];
      } else {
        delete term.studentLayers;
        delete term.teacherLayers;
      }
      return terms;
    });
    return;
  }
  const next: ExperimentConfig = { ...current };
  if (pairs) {
    next.studentLayers = [...pairs.studentLayers];
    next.teacherLayers = [...pairs.teacherLayers];
  } else {
    delete next.studentLayers;
    delete next.teacherLayers;
  }
  setConfig(next);
}

/** Switch between one method and a recipe of several terms. */
export function setRecipeMode(on: boolean): void {
  setConfig(on ? toRecipe(config()) : toSingleMethod(config()));
}

export function addTerm(id: string): void {
  if (!hasMethod(id)) return;
  updateTerms((terms) => (terms.some((term) => term.method === id) ? terms : [...terms, newTerm(id)]));
}

export function removeTerm(index: number): void {
  updateTerms((terms) => (terms.length > 1 ? terms.filter((_, i) => i !== index) : terms));
}

export function setTermMethod(index: number, id: string): void {
  if (!hasMethod(id)) return;
  updateTerms((terms) => terms.map((term, i) => (i === index && term.method !== id ? newTerm(id) : term)));
}

export function setTermWeight(index: number, weight: number): void {
  updateTerms((terms) => terms.map((term, i) => (i === index ? { ...term, weight } : term)));
}

export function setTermParam(index: number, name: string, value: number): void {
  updateTerms((terms) => terms.map((term, i) => (i === index ? { ...term, params: { ...term.params, [name]: value } } : term)));
}

/** DML's second student (an architecture id). */
export function setPeerStudent(id: string): void {
  setConfig({ ...config(), peerStudent: id });
}

/** The share of training samples that keep their label; undefined = all of them. */
export function setLabelledFraction(fraction: number | undefined): void {
  const next: ExperimentConfig = { ...config() };
  if (fraction === undefined) delete next.labelledFraction;
  else next.labelledFraction = fraction;
  setConfig(next);
}

