// Property-based: any text typed as a sweep gives runs whose configurations validateConfig
// accepts, or a named problem; never an exception. Texts are drawn from the parser's grammar
// (knob names in their spellings, lists, ranges with and without steps) and from random text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METHODS } from '../../src/kd';
import { decodeConfig } from '../../src/state/url';
import { MAX_SWEEP_RUNS, parseSweep } from '../../src/state/sweep';
import { validateConfig, type ExperimentConfig } from '../../src/train/config';

const methodIds = METHODS.map((method) => method.id);
const paramNames = [...new Set(METHODS.flatMap((method) => method.params.map((spec) => spec.name)))];
const KNOB_NAMES = ['kd_ratio', 'kdRatio', 'KD-RATIO', 'lr', 'learning_rate', 'momentum', 'wd', 'weight_decay', 'batch', 'batch_size', 'epochs', 'tta', 'ema_decay', 'rdrop', 'labelled_fraction', 'seed', 'method', 'nope', ...paramNames];

/** Bases a sweep starts from: the defaults, a few methods, a recipe and a mutual run. */
const BASES: ExperimentConfig[] = ['', 'method=dkd', 'method=at', 'method=kd&kd_ratio=0.5', 'method=none', 'recipe=kd:0.9,at:1000', 'method=dml', 'method=sp&optimizer=sgd'].map((q) =>
  decodeConfig(q),
);

const number = fc.oneof(
  fc.constantFrom('0', '1', '-1', '0.5', '1e9', '1e-9', '1e400', '-0', 'NaN', 'Infinity', '0x10', '', ' ', '1.', '.5', '2e', 'x'),
  fc.double().map(String),
  fc.integer({ min: -5, max: 300 }).map(String),
);
const separator = fc.constantFrom(', ', ',', ' ', '; ', ',,', ' , ');
const list = fc.array(fc.oneof(number, fc.constantFrom(...methodIds)), { minLength: 0, maxLength: 8 }).chain((items) => separator.map((sep) => items.join(sep)));
const range = fc
  .tuple(number, fc.constantFrom(' … ', '...', ' ... ', '…'), number, fc.option(fc.tuple(fc.constantFrom(' step ', ' STEP ', 'step'), number)))
  .map(([a, dots, b, step]) => `${a}${dots}${b}${step ? step[0] + step[1] : ''}`);
/** Values in the ranges most knobs take, so that many drawn sweeps are accepted. */
const plausible = fc.oneof(fc.integer({ min: 1, max: 20 }).map(String), fc.double({ min: 0, max: 1, noNaN: true }).map((v) => String(Number(v.toPrecision(3)))));
const plausibleList = fc.uniqueArray(plausible, { minLength: 1, maxLength: 6 }).map((items) => items.join(', '));
const plausibleRange = fc.tuple(plausible, plausible).map(([a, b]) => (Number(a) <= Number(b) ? `${a} … ${b}` : `${b} … ${a}`));
const sweepText = fc.oneof(
  {
    arbitrary: fc.tuple(fc.constantFrom(...KNOB_NAMES), fc.oneof(plausibleList, plausibleRange, fc.uniqueArray(fc.constantFrom(...methodIds), { minLength: 1, maxLength: 4 }).map((ids) => ids.join(', ')))).map(([name, values]) => `${name} ${values}`),
    weight: 2,
  },
  fc.tuple(fc.constantFrom(...KNOB_NAMES), fc.constantFrom(' ', ': ', '=', ' = ', ''), fc.oneof(list, range)).map(([name, sep, values]) => `${name}${sep}${values}`),
  fc.string(),
  fc.string({ unit: fc.constantFrom('k', 'd', '_', ' ', '1', '.', '…', ',', 's', 't', 'e', 'p', ':', '-', '0') }),
);

let accepted = 0;

function check(text: string, base: ExperimentConfig): void {
  const parsed = parseSweep(text, base);
  if (!parsed.ok) {
    expect(parsed.error.length, text).toBeGreaterThan(0);
    return;
  }
  expect(parsed.runs.length, text).toBeGreaterThan(0);
  expect(parsed.runs.length, text).toBeLessThanOrEqual(MAX_SWEEP_RUNS);
  for (const run of parsed.runs) expect(validateConfig(run.config), `${text}: ${run.label}`).toEqual([]);
  accepted++;
}

describe('parseSweep under fuzzing', () => {
  it('the bases are valid configurations', () => {
    for (const base of BASES) expect(validateConfig(base)).toEqual([]);
  });

  it('any sweep text gives valid runs (at most the maximum) or a named problem, never an exception', () => {
    fc.assert(
      fc.property(sweepText, fc.constantFrom(...BASES), (text, base) => check(text, base)),
      { numRuns: 4000, seed: 14 },
    );
    // The generator reaches the accepting paths too, not only the refusals.
    expect(accepted).toBeGreaterThan(200);
  });

  it('accepts well-formed sweeps, so the property above is not satisfied by refusing everything', () => {
    expect(parseSweep('temperature 1, 2, 4', BASES[0]).ok).toBe(true);
    expect(parseSweep('lr 0.001 … 0.01', BASES[0]).ok).toBe(true);
    expect(parseSweep('method kd, dkd', BASES[0]).ok).toBe(true);
  });
});
