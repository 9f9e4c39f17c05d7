// The experiment configuration as a URL query, walking the knob table; method parameters go by
// their own names (temperature=4), chosen layers as student_layers=block1,block2. A recipe is
// recipe=kd:0.9,at:1000 with each term's parameters and layers qualified by its method
// (at.p=2, at.student_layers=block1), as the CLI spells them; the DML peer is peer_student=ID.
// A value that does not parse or validate falls back to its default.
import { methodSpec, hasMethod, paramProblem } from '../kd/methods';
import { studentArchitectures } from '../models/architectureSpecs';
import { DEFAULT_CONFIG, isMutual, validateConfig, type DistillTerm, type ExperimentConfig } from '../train/config';
import { KNOBS, numberKnob } from './knobs';
import { withTerms } from './recipe';

const STUDENT_LAYERS = 'student_layers';
const TEACHER_LAYERS = 'teacher_layers';
const RECIPE = 'recipe';
const PEER_STUDENT = 'peer_student';
const OMIT = 'omit';

const readsLayers = (id: string) => hasMethod(id) && methodSpec(id).layers.reads !== 'logits';

function setLayers(query: URLSearchParams, prefix: string, holder: { studentLayers?: string[]; teacherLayers?: string[] }): void {
  if (holder.studentLayers) query.set(prefix + STUDENT_LAYERS, holder.studentLayers.join(','));
  if (holder.teacherLayers) query.set(prefix + TEACHER_LAYERS, holder.teacherLayers.join(','));
}

export function encodeConfig(config: ExperimentConfig): URLSearchParams {
  const query = new URLSearchParams();
  for (const knob of KNOBS) {
    const value = config[knob.key];
    if (value === undefined) continue;
    if (knob.kind === 'boolean') query.set(knob.url, value ? '1' : '0');
    else query.set(knob.url, String(value));
  }
  if (config.terms) {
    query.set(RECIPE, config.terms.map((term) => `${term.method}:${term.weight}`).join(','));
    for (const term of config.terms) {
      for (const [name, value] of Object.entries(term.params)) query.set(`${term.method}.${name}`, String(value));
      setLayers(query, `${term.method}.`, term);
    }
  } else if (hasMethod(config.method)) {
    for (const spec of methodSpec(config.method).params) {
      const value = config.params[spec.name];
      if (value !== undefined) query.set(spec.name, String(value));
    }
    if (readsLayers(config.method)) setLayers(query, '', config);
  }
  if (config.peerStudent !== undefined && isMutual(config)) query.set(PEER_STUDENT, config.peerStudent);
  if (config.omitClasses?.length) query.set(OMIT, config.omitClasses.join(','));
  return query;
}

/** block1,block2 -> ['block1', 'block2']; absent or empty names -> undefined. */
function parseLayers(text: string | null): string[] | undefined {
  if (text === null) return undefined;
  const names = text.split(',').map((name) => name.trim());
  return names.length > 0 && names.every((name) => name !== '') ? names : undefined;
}

function decodeLayers(query: URLSearchParams, prefix: string, into: { studentLayers?: string[]; teacherLayers?: string[] }): void {
  const student = parseLayers(query.get(prefix + STUDENT_LAYERS));
  const teacher = parseLayers(query.get(prefix + TEACHER_LAYERS));
  if (student) into.studentLayers = student;
  if (teacher) into.teacherLayers = teacher;
}

/** The recipe's terms, each valid on its own (known method allowed in a recipe, once, weight >= 0, parameters in range). */
function decodeTerms(query: URLSearchParams): DistillTerm[] {
  const text = query.get(RECIPE);
  if (!text) return [];
  const terms: DistillTerm[] = [];
  for (const item of text.split(',')) {
    const [id, weightText, ...rest] = item.split(':');
    if (rest.length > 0 || !hasMethod(id) || terms.some((term) => term.method === id)) continue;
    const method = methodSpec(id);
    if (method.kind === 'none' || method.kind === 'mutual') continue;
    const weight = parseNumber(weightText ?? '', false);
    const params: Record<string, number> = {};
    for (const spec of method.params) {
      const value = parseNumber(query.get(`${id}.${spec.name}`) ?? '', false);
      params[spec.name] = value !== undefined && paramProblem(spec, value) === null ? value : spec.default;
    }
    const term: DistillTerm = { method: id, weight: weight !== undefined && weight >= 0 ? weight : method.defaultWeight, params };
    if (readsLayers(id)) decodeLayers(query, `${id}.`, term);
    terms.push(term);
  }
  return terms;
}

/** Decimal numbers only: Number() would also read "0x10" as 16. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function parseNumber(text: string, integer: boolean): number | undefined {
  if (!DECIMAL.test(text.trim())) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) return undefined;
  return value;
}

/** A full configuration from a query string; never throws. */
export function decodeConfig(search: string | URLSearchParams, defaults: ExperimentConfig = DEFAULT_CONFIG): ExperimentConfig {
  const query = typeof search === 'string' ? new URLSearchParams(search) : search;
  const config: ExperimentConfig = { ...defaults, params: { ...defaults.params } };
  const writable = config as unknown as Record<string, unknown>;
  for (const knob of KNOBS) {
    const text = query.get(knob.url);
    if (text === null) continue;
    if (knob.kind === 'boolean') {
      if (text === '1' || text === 'true') writable[knob.key] = true;
      else if (text === '0' || text === 'false') writable[knob.key] = false;
    } else if (knob.kind === 'choice') {
      const options = knob.options?.();
      if (text !== '' && (!options || options.includes(text) || knob.alsoAccepts?.(text))) writable[knob.key] = text;
    } else {
      const value = parseNumber(text, knob.integer);
      if (value !== undefined) writable[knob.key] = value;
    }
  }
  // Parameters belong to the decoded method; a method change leaves none of another's behind.
  const method = methodSpec(hasMethod(config.method) ? config.method : defaults.method);
  const params: Record<string, number> = {};
  for (const spec of method.params) {
    const value = parseNumber(query.get(spec.name) ?? '', false);
    params[spec.name] = value !== undefined && paramProblem(spec, value) === null ? value : (defaults.params[spec.name] ?? spec.default);
  }
  config.params = params;
  // A link naming another method but no weight means that method's reference weight (as the CLI).
  if (query.get(numberKnob('kdRatio').url) === null && config.method !== defaults.method && method.kind !== 'none') config.kdRatio = method.defaultWeight;
  if (readsLayers(config.method)) decodeLayers(query, '', config);
  const terms = decodeTerms(query);
  const recipe = terms.length > 0 ? withTerms(config, terms) : config;
  const peer = query.get(PEER_STUDENT);
  if (peer !== null && studentArchitectures().some((arch) => arch.id === peer)) recipe.peerStudent = peer;
  const omit = query.get(OMIT);
  if (omit !== null && /^\d{1,3}(,\d{1,3})*$/.test(omit)) recipe.omitClasses = omit.split(',').map(Number);
  return dropInvalid(recipe, defaults);
}

function dropInvalid(config: ExperimentConfig, defaults: ExperimentConfig): ExperimentConfig {
  const writable = config as unknown as Record<string, unknown>;
  // Values that parse but make no sense (lr=-1) go back to their defaults, one field at a time.
  for (const problem of validateConfig(config)) {
    if (problem.field in defaults) writable[problem.field] = (defaults as unknown as Record<string, unknown>)[problem.field];
    else if (problem.field === 'trainLimit' || problem.field === 'valLimit' || problem.field === 'testLimit' || problem.field === 'steps' || problem.field === 'labelledFraction' || problem.field === 'omitClasses') delete writable[problem.field];
  }
  return config;
}
