// Property-based: any query string decodes to a configuration validateConfig accepts, never to an
// exception. Queries are drawn from the decoder's own vocabulary (every knob, method parameter,
// recipe term and layer key) with values a hand-edited link may hold, plus plain random text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METHODS } from '../../src/kd';
import { KNOBS } from '../../src/state/knobs';
import { decodeConfig, encodeConfig } from '../../src/state/url';
import { DEFAULT_CONFIG, validateConfig } from '../../src/train/config';

const methodIds = METHODS.map((method) => method.id);
const paramNames = [...new Set(METHODS.flatMap((method) => method.params.map((spec) => spec.name)))];

const KEYS = [
  ...KNOBS.map((knob) => knob.url),
  ...paramNames,
  ...methodIds.flatMap((id) => [`${id}.student_layers`, `${id}.teacher_layers`, ...(METHODS.find((m) => m.id === id)?.params ?? []).map((spec) => `${id}.${spec.name}`)]),
  'student_layers',
  'teacher_layers',
  'recipe',
  'peer_student',
  'omit',
];

/** Values a link may carry: numbers of every kind, the words the decoder knows, and junk. */
const value = fc.oneof(
  { arbitrary: fc.oneof(fc.integer({ min: 1, max: 50 }).map(String), fc.double({ min: 0, max: 1, noNaN: true }).map((v) => String(Number(v.toPrecision(3))))), weight: 4 },
  fc.constantFrom('', '0', '1', '-1', '1e9', '1e-9', '-0', 'NaN', 'Infinity', '-Infinity', '0x10', '1_000', '100.5', ' 3 ', '1e400', 'true', 'false'),
  fc.constantFrom(...methodIds, 'adam', 'sgd', 'constant', 'cosine', 'digits', 'mnist', 'fashion-mnist', 'mlp', 'tiny-cnn', 'small-cnn', 'teacher-cnn', 'custom'),
  fc.constantFrom('block1', 'block1,block2', 'embedding', 'logits', ',', 'block1,,block2', '3', '3,5', '0,1,2,3,4,5,6,7,8,9', '999', '-1,2'),
  fc.double().map(String),
  fc.integer().map(String),
  fc.array(fc.tuple(fc.constantFrom(...methodIds, 'nope', ''), fc.oneof(fc.double().map(String), fc.constantFrom('', '1', '-1', 'x'))), { maxLength: 4 }).map((terms) =>
    terms.map(([id, weight]) => `${id}:${weight}`).join(','),
  ),
  fc.string(),
);

const query = fc.array(fc.tuple(fc.oneof({ arbitrary: fc.constantFrom(...KEYS), weight: 4 }, fc.string()), value), { maxLength: 12 }).map((pairs) => {
  const search = new URLSearchParams();
  for (const [key, text] of pairs) search.append(key, text);
  return search.toString();
});

describe('decodeConfig under fuzzing', () => {
  it('decodes any query of known keys and odd values to a configuration with no problems, never throwing', () => {
    const defaults = JSON.stringify(decodeConfig(''));
    let changed = 0;
    fc.assert(
      fc.property(query, (search) => {
        const config = decodeConfig(search);
        expect(validateConfig(config), search).toEqual([]);
        if (JSON.stringify(config) !== defaults) changed++;
      }),
      { numRuns: 3000, seed: 10 },
    );
    // Many drawn queries change the configuration: the accepting paths are exercised, not only the fallbacks.
    expect(changed).toBeGreaterThan(500);
  });

  it('decodes any raw text (not URL-encoded, with & = % and unicode) without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('&', '=', '%', '+', ',', ':', '.', 'a', '1', 'e', '-', ';', '?') })), (search) => {
        const config = decodeConfig(search);
        expect(validateConfig(config), search).toEqual([]);
      }),
      { numRuns: 3000, seed: 11 },
    );
  });

  it('the link of a decoded configuration is stable: decoding it and linking again gives the same link', () => {
    fc.assert(
      fc.property(query, (search) => {
        const link = encodeConfig(decodeConfig(search)).toString();
        expect(encodeConfig(decodeConfig(link)).toString(), search).toBe(link);
      }),
      { numRuns: 1000, seed: 12 },
    );
  });

  it('the defaults decode to themselves (the property above is not vacuous)', () => {
    expect(decodeConfig('')).toEqual({ ...DEFAULT_CONFIG, params: decodeConfig('').params });
    expect(decodeConfig('lr=0.5&epochs=3').lr).toBe(0.5);
  });
});
