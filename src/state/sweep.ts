// A sweep typed as text ("temperature 1, 2, 4, 8, 16", "kd_ratio 0 … 1", "lr 0.001 ... 0.01 step
// 0.003", "method kd, dkd, dist") turned into one labelled configuration per value. Pure: no DOM.
import { methodSpec, hasMethod } from '../kd/methods';
import { validateConfig, withMethod, type ExperimentConfig } from '../train/config';

export interface SweepRun {
  /** "temperature=4", "kd_ratio=0.25", "method=dkd": what this run changes. */
  label: string;
  config: ExperimentConfig;
}

export type SweepParse = { ok: true; knob: string; values: (number | string)[]; runs: SweepRun[] } | { ok: false; error: string };

/** Values a range "a … b" gives without a step. */
export const RANGE_DEFAULT_COUNT = 5;
/** More runs than this is surely a typo (a step far too small). */
export const MAX_SWEEP_RUNS = 50;

type NumberField = 'kdRatio' | 'lr' | 'momentum' | 'weightDecay' | 'batchSize' | 'epochs' | 'ttaShift' | 'emaDecay' | 'rdropAlpha' | 'labelledFraction';

/** Configuration knobs a sweep may vary, by the names a user types (URL and CLI spellings). */
const CONFIG_KNOBS: Record<string, NumberField> = {
  kd_ratio: 'kdRatio',
  kdratio: 'kdRatio',
  lr: 'lr',
  learning_rate: 'lr',
  momentum: 'momentum',
  weight_decay: 'weightDecay',
  wd: 'weightDecay',
  batch_size: 'batchSize',
  batch: 'batchSize',
  epochs: 'epochs',
  tta_shift: 'ttaShift',
  tta: 'ttaShift',
  ema_decay: 'emaDecay',
  ema: 'emaDecay',
  rdrop_alpha: 'rdropAlpha',
  rdrop: 'rdropAlpha',
  labelled_fraction: 'labelledFraction',
};

const CANONICAL_NAME: Record<NumberField, string> = {
  kdRatio: 'kd_ratio',
  lr: 'lr',
  momentum: 'momentum',
  weightDecay: 'weight_decay',
  batchSize: 'batch_size',
  epochs: 'epochs',
  ttaShift: 'tta_shift',
  emaDecay: 'ema_decay',
  rdropAlpha: 'rdrop_alpha',
  labelledFraction: 'labelled_fraction',
};

const INTEGER_FIELDS: ReadonlySet<NumberField> = new Set(['batchSize', 'epochs', 'ttaShift']);

/** Normalise "kd-ratio", "kdRatio", "KD_RATIO" to "kd_ratio". */
function normaliseName(name: string): string {
  return name
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase();
}

function parseNumber(text: string, what: string): number | string {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) return `"${text}" is not a number (${what})`;
  return value;
}

/** Round away float noise from a range (0.1 + 0.2 → 0.3), keeping 12 significant digits. */
function tidy(value: number): number {
  return Number(value.toPrecision(12));
}

function formatValue(value: number | string): string {
  return typeof value === 'number' ? String(tidy(value)) : value;
}

/** The list of numbers a value text gives: "1, 2, 4", "0 … 1", "0 ... 1 step 0.25". */
function parseValues(text: string): number[] | string {
  const stepMatch = /^(.*?)\bstep\b(.*)$/i.exec(text);
  const body = (stepMatch ? stepMatch[1] : text).trim();
  const range = /^(.*?)(?:…|\.\.\.)(.*)$/.exec(body);
  if (!range) {
    if (stepMatch) return 'a step needs a range such as "0 … 1 step 0.25"';
    const parts = body.split(/[\s,;]+/).filter((part) => part !== '');
    if (parts.length === 0) return 'no values given';
    const values: number[] = [];
    for (const part of parts) {
      const value = parseNumber(part, 'values are numbers separated by commas');
      if (typeof value === 'string') return value;
      values.push(value);
    }
    return values;
  }
  const start = parseNumber(range[1].trim(), 'the start of the range');
  if (typeof start === 'string') return start;
  const end = parseNumber(range[2].trim(), 'the end of the range');
  if (typeof end === 'string') return end;
  if (end < start) return `the range ends (${end}) below where it starts (${start})`;
  if (!stepMatch) {
    if (end === start) return [start];
    return Array.from({ length: RANGE_DEFAULT_COUNT }, (_, i) => tidy(start + ((end - start) * i) / (RANGE_DEFAULT_COUNT - 1)));
  }
  const step = parseNumber(stepMatch[2].trim(), 'the step');
  if (typeof step === 'string') return step;
  if (!(step > 0)) return `the step must be greater than 0 (got ${step})`;
  const count = Math.floor((end - start) / step + 1e-9) + 1;
  if (count > MAX_SWEEP_RUNS) return `${count} values is too many (at most ${MAX_SWEEP_RUNS}): use a larger step`;
  return Array.from({ length: count }, (_, i) => tidy(start + step * i));
}

/**
 * Parse a sweep over one knob of `base`: a method parameter (temperature, alpha, …), a training
 * knob (kd_ratio, lr, epochs, …) or the method itself. Every configuration keeps the base's seed,
 * so all runs share initial weights and batch order. Errors name what is wrong.
 */
export function parseSweep(text: string, base: ExperimentConfig): SweepParse {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, error: 'Type a knob and its values, e.g. "temperature 1, 2, 4, 8" or "kd_ratio 0 … 1".' };
  const head = /^([A-Za-z][\w-]*)\s*[:=]?\s*(.*)$/s.exec(trimmed);
  if (!head) return { ok: false, error: `A sweep starts with the knob's name, e.g. "temperature 1, 2, 4" (got "${trimmed}")` };
  const typedName = head[1];
  const name = normaliseName(typedName);
  const rest = head[2].trim();
  if (rest === '') return { ok: false, error: `No values for ${typedName}: add them, e.g. "${typedName} 1, 2, 4" or "${typedName} 0 … 1"` };

  if (name === 'method') return methodSweep(rest, base);
  if (name === 'seed') return { ok: false, error: 'The seed cannot be swept: every run of a comparison uses the same seed (same initial weights and batch order).' };

  const method = hasMethod(base.method) ? methodSpec(base.method) : null;
  const param = method?.params.find((spec) => normaliseName(spec.name) === name);
  const field = CONFIG_KNOBS[name];
  if (!param && !field) {
    const params = method?.params.map((spec) => spec.name) ?? [];
    const known = [...params, ...Object.values(CANONICAL_NAME), 'method'].join(', ');
    const hint = method && params.length === 0 ? ` (method "${method.id}" has no parameters)` : method ? ` (parameters of "${method.id}": ${params.join(', ')})` : '';
    return { ok: false, error: `Unknown knob "${typedName}"${hint}. Knobs that can be swept: ${known}.` };
  }
  if (param && base.terms) return { ok: false, error: `A recipe's parameters cannot be swept here: sweep kd_ratio, lr or epochs, or pick a single method on the Lab page.` };

  const values = parseValues(rest);
  if (typeof values === 'string') return { ok: false, error: `${typedName}: ${values}` };
  if (values.length > MAX_SWEEP_RUNS) return { ok: false, error: `${typedName}: ${values.length} values is too many (at most ${MAX_SWEEP_RUNS})` };
  const knobName = param ? param.name : CANONICAL_NAME[field];
  const jump = field === 'kdRatio' ? ratioJumpProblem(base, values) : null;
  if (jump) return { ok: false, error: jump };
  const runs: SweepRun[] = [];
  for (const value of values) {
    if (field && INTEGER_FIELDS.has(field) && !Number.isInteger(value)) {
      return { ok: false, error: `${knobName} ${formatValue(value)}: ${knobName} takes whole numbers` };
    }
    const config: ExperimentConfig = structuredClone(base);
    if (param) config.params = { ...config.params, [param.name]: value };
    else config[field] = value;
    // A recipe trains its terms' weights: kd_ratio is the first term's.
    if (field === 'kdRatio' && config.terms?.length) config.terms[0].weight = value;
    const problem = validateConfig(config).find((p) => (param ? p.field === `param.${param.name}` : p.field === field));
    if (problem) return { ok: false, error: `${knobName} ${formatValue(value)}: ${problem.message}` };
    runs.push({ label: `${knobName}=${formatValue(value)}`, config });
  }
  const duplicate = runs.find((run, i) => runs.findIndex((other) => other.label === run.label) !== i);
  if (duplicate) return { ok: false, error: `${duplicate.label} appears twice` };
  return { ok: true, knob: knobName, values, runs };
}

/**
 * A kd_ratio sweep that crosses 1 for a ratio-mixing first term (kd): the hard-label weight falls
 * to 0 at 1 and jumps back to 1 just above, so the runs would not be one curve.
 */
function ratioJumpProblem(base: ExperimentConfig, values: readonly number[]): string | null {
  const first = base.terms?.[0]?.method ?? base.method;
  if (!hasMethod(first) || methodSpec(first).mixing !== 'ratio') return null;
  const above = values.filter((value) => value > 1);
  if (above.length === 0 || above.length === values.length) return null;
  return (
    `kd_ratio ${values.map(formatValue).join(', ')} crosses 1, where ${first}'s hard-label weight jumps: ` +
    `(1 − r)·CE + r·${first} up to 1 (CE weight 0 at exactly 1), CE + r·${first} above (CE weight back to 1). ` +
    'Sweep 0 … 1 (the soft-label share) or values above 1 only.'
  );
}

function methodSweep(rest: string, base: ExperimentConfig): SweepParse {
  if (/…|\.\.\./.test(rest)) return { ok: false, error: 'method: methods are listed by name, e.g. "method kd, dkd, dist" (a range makes no sense here)' };
  const ids = rest.split(/[\s,;]+/).filter((id) => id !== '');
  const runs: SweepRun[] = [];
  for (const id of ids) {
    if (!hasMethod(id)) return { ok: false, error: `method: unknown method "${id}"` };
    if (runs.some((run) => run.config.method === id)) return { ok: false, error: `method=${id} appears twice` };
    const config = withMethod(structuredClone(base), id);
    runs.push({ label: `method=${id}`, config });
  }
  if (runs.length > MAX_SWEEP_RUNS) return { ok: false, error: `method: ${runs.length} values is too many (at most ${MAX_SWEEP_RUNS})` };
  return { ok: true, knob: 'method', values: ids, runs };
}
