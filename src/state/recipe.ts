// Pure steps between the single-method set-up and a recipe of several terms (config.terms).
import { methodSpec, METHODS } from '../kd/methods';
import { distillTerms, type DistillTerm, type ExperimentConfig } from '../train/config';

/** Methods a recipe may hold: every one with a teacher term (not 'none', not DML). */
export const RECIPE_METHODS = METHODS.filter((method) => method.kind !== 'none' && method.kind !== 'mutual');

/** A new term of `id` with its reference weight and parameters. */
export function newTerm(id: string): DistillTerm {
  const method = methodSpec(id);
  const params: Record<string, number> = {};
  for (const spec of method.params) params[spec.name] = spec.default;
  return { method: id, weight: method.defaultWeight, params };
}

/**
 * The configuration training `terms` as a recipe; the single-method fields mirror the first term
 * (pickers show it) and its own layer lists are dropped (each term carries its own).
 */
export function withTerms(config: ExperimentConfig, terms: DistillTerm[]): ExperimentConfig {
  const first = terms[0];
  const next: ExperimentConfig = { ...config, terms };
  if (first) {
    next.method = first.method;
    next.kdRatio = first.weight;
    next.params = { ...first.params };
  }
  delete next.studentLayers;
  delete next.teacherLayers;
  return next;
}

/** The single method turned into a one-term recipe (kd at its reference weight when it was none or DML). */
export function toRecipe(config: ExperimentConfig): ExperimentConfig {
  if (config.terms) return config;
  const terms = distillTerms(config);
  const method = methodSpec(config.method);
  return withTerms(config, method.kind === 'mutual' || terms.length === 0 ? [newTerm('kd')] : terms);
}

/** A recipe back to its first term as the single method. */
export function toSingleMethod(config: ExperimentConfig): ExperimentConfig {
  if (!config.terms) return config;
  const [first] = config.terms;
  const next: ExperimentConfig = { ...config };
  delete next.terms;
  if (!first) return next;
  next.method = first.method;
  next.kdRatio = first.weight;
  next.params = { ...first.params };
  if (first.studentLayers) next.studentLayers = [...first.studentLayers];
  if (first.teacherLayers) next.teacherLayers = [...first.teacherLayers];
  return next;
}
