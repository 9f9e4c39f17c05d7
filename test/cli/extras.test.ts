// The CLI's training and evaluation extras: --tta-shift, --ema-decay, --rdrop-alpha parse into the
// configuration, bad values are refused with one line, and a real run reports the TTA scores.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs, USAGE } from '../../src/cli/args';
import { cli, cliInProcess, refusal } from './cliKit';




describe('parseArgs: the extras', () => {
  it('reads --tta-shift, --ema-decay and --rdrop-alpha; all are off when absent', () => {
    const { config } = parseArgs(['--tta-shift', '2', '--ema-decay', '0.999', '--rdrop-alpha', '0.5']);
    expect(config).toMatchObject({ ttaShift: 2, emaDecay: 0.999, rdropAlpha: 0.5 });
    const plain = parseArgs([]).config;
    expect(plain.ttaShift).toBeUndefined();
    expect(plain.emaDecay).toBeUndefined();
    expect(plain.rdropAlpha).toBeUndefined();
  });

  it.each([
    [['--tta-shift', '5'], /^TTA shift must be 0 \(off\), 1, 2 or 3 pixels \(got 5\)$/],
    [['--tta-shift', 'x'], /^--tta-shift expects a number, got "x"$/],
    [['--ema-decay', '1'], /^EMA decay must be 0 \(off\) or in \(0, 1\), e\.g\. 0\.999 \(got 1\)$/],
    [['--ema-decay'], /^--ema-decay needs a value$/],
    [['--rdrop-alpha', '-2'], /^R-Drop alpha must be at least 0 \(got -2\)$/],
    [['--method', 'dml', '--rdrop-alpha', '1'], /^R-Drop cannot be combined with DML$/],
  ])('refuses %j with one line', (argv, message) => {
    const text = refusal(argv);
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  });

  it('lists the flags in --help', () => {
    for (const flag of ['--tta-shift N', '--ema-decay D', '--rdrop-alpha A']) expect(USAGE).toContain(flag);
  });
});

describe('the CLI with the extras', () => {
  it('a bad value exits non-zero with one line on stderr', async () => {
    const outcome = await cliInProcess(['--ema-decay', '1.5']);
    expect(outcome.code).not.toBe(0);
    expect(outcome.stderr.split('\n').filter((line) => line.trim() !== '')).toEqual(['error: EMA decay must be 0 (off) or in (0, 1), e.g. 0.999 (got 1.5)']);
    expect(outcome.stdout).toBe('');
  });

  it('writes testAccuracyTta / testMpaTta and the rdrop term to the result JSON', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'distillation-lab-cli-extras-'));
    try {
      const json = path.join(dir, 'result.json');
      const args = ['--dataset', 'digits', '--method', 'none', '--student', 'mlp', '--epochs', '1', '--train-limit', '128', '--test-limit', '64'];
      const outcome = await cli([...args, '--tta-shift', '1', '--ema-decay', '0.5', '--rdrop-alpha', '1', '--json', json, '--quiet']);
      expect(outcome.code, outcome.stderr).toBe(0);
      const result = JSON.parse(await readFile(json, 'utf8'));
      expect(result.config).toMatchObject({ ttaShift: 1, emaDecay: 0.5, rdropAlpha: 1 });
      for (const key of ['testAccuracyTta', 'testMpaTta']) {
        expect(typeof result[key], key).toBe('number');
        expect(result[key], key).toBeGreaterThanOrEqual(0);
        expect(result[key], key).toBeLessThanOrEqual(1);
      }
      // 128 samples / batch 64: 2 steps, one history entry with the R-Drop term's mean.
      expect(result.history).toHaveLength(1);
      expect(result.history[0].terms.rdrop).toBeGreaterThan(0);
      expect(result.history[0].total).toBeCloseTo(result.history[0].ce + result.history[0].terms.rdrop, 5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
