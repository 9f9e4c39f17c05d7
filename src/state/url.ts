// The experiment configuration as a URL query, walking the knob table; method parameters go by
// their own names (temperature=4). A value that does not parse or validate falls back to its default.
import { getMethod, hasMethod, paramProblem } from '../kd';
import { DEFAULT_CONFIG, validateConfig, type ExperimentConfig } from '../train/config';
import { KNOBS } from './knobs';

export function encodeConfig(config: ExperimentConfig): URLSearchParams {
  const query = new URLSearchParams();
  for (const knob of KNOBS) {
    const value = config[knob.key];
    if (value === undefined) continue;
    if (knob.kind === 'boolean') query.set(knob.url, value ? '1' : '0');
    else query.set(knob.url, String(value));
  }
  if (hasMethod(config.method)) {
    for (const spec of getMethod(config.method).params) {
      const value = config.params[spec.name];
      if (value !== undefined) query.set(spec.name, String(value));
    }
  }
  return query;
}

function parseNumber(text: string, integer: boolean): number | undefined {
  if (text.trim() === '') return undefined;
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
      if (text !== '' && (!options || options.includes(text))) writable[knob.key] = text;
    } else {
      const value = parseNumber(text, knob.integer);
      if (value !== undefined) writable[knob.key] = value;
    }
  }
  // Parameters belong to the decoded method; a method change leaves none of another's behind.
  const method = getMethod(hasMethod(config.method) ? config.method : defaults.method);
  const params: Record<string, number> = {};
  for (const spec of method.params) {
    const value = parseNumber(query.get(spec.name) ?? '', false);
    params[spec.name] = value !== undefined && paramProblem(spec, value) === null ? value : (defaults.params[spec.name] ?? spec.default);
  }
  config.params = params;
  // Values that parse but make no sense (lr=-1) go back to their defaults, one field at a time.
  for (const problem of validateConfig(config)) {
    if (problem.field in defaults) writable[problem.field] = (defaults as unknown as Record<string, unknown>)[problem.field];
    else if (problem.field === 'trainLimit' || problem.field === 'testLimit') delete writable[problem.field];
  }
  return config;
}
