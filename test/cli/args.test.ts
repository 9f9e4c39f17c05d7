// Flag parsing: flags -> ExperimentConfig, and one clear refusal per bad flag.
import { describe, expect, it } from 'vitest';
import { parseArgs, USAGE } from '../../src/cli/args';
import { flagOf, KNOB_FLAGS, knobUsageLines } from '../../src/cli/knobFlags';
import { refusal } from './cliKit';
import { DEFAULT_CONFIG } from '../../src/train/config';
import { EXTRA_KNOBS, KNOBS } from '../../src/train/knobs';

describe('parseArgs', () => {
  it('gives sensible defaults: kd on digits with the dataset teacher and the method weight', () => {
    const { config, quiet, help } = parseArgs([]);
    expect(config.dataset).toBe('digits');
    expect(config.method).toBe('kd');
    expect(config.teacher).toBe('digits-teacher-cnn');
    expect(config.kdRatio).toBe(0.9);
    expect(config.params).toEqual({});
    expect(config.lr).toBe(DEFAULT_CONFIG.lr);
    expect(quiet).toBe(false);
    expect(help).toBe(false);
  });

  it('reads every flag of docs/ARCHITECTURE.md §4.3', () => {
    const options = parseArgs([
      '--dataset', 'mnist', '--student', 'mlp', '--method', 'kd', '--temperature', '2.5', '--kd-ratio', '0.3',
      '--lr', '0.01', '--batch-size', '16', '--epochs', '2', '--train-limit', '256', '--test-limit', '128',
      '--seed', '9', '--optimizer', 'sgd', '--momentum', '0.8', '--weight-decay', '0.0005', '--lr-schedule', 'cosine',
      '--augment', '--eval-every', '50', '--save', 'out/model', '--json', 'out/result.json', '--quiet',
    ]);
    expect(options.config).toMatchObject({
      dataset: 'mnist', student: 'mlp', method: 'kd', params: { temperature: 2.5 }, kdRatio: 0.3, lr: 0.01,
      batchSize: 16, epochs: 2, trainLimit: 256, testLimit: 128, seed: 9, optimizer: 'sgd', momentum: 0.8,
      weightDecay: 0.0005, lrSchedule: 'cosine', augment: true, evalEvery: 50, teacher: 'mnist-teacher-cnn',
    });
    expect(options.save).toBe('out/model');
    expect(options.json).toBe('out/result.json');
    expect(options.quiet).toBe(true);
  });

  it('takes --param name=value, and a teacher path when --teacher looks like one', () => {
    const options = parseArgs(['--param', 'temperature=8', '--teacher', 'public/teachers/x']);
    expect(options.config.params).toEqual({ temperature: 8 });
    expect(options.teacherPath).toBe('public/teachers/x');
    expect(parseArgs(['--teacher', 'mnist-teacher-cnn']).teacherPath).toBeUndefined();
  });

  it('reads decimal spellings, --steps and the separate validation and test limits', () => {
    expect(parseArgs(['--lr', '1e-3']).config.lr).toBe(0.001);
    expect(parseArgs(['--lr', '.5']).config.lr).toBe(0.5);
    expect(parseArgs(['--epochs', '1e2']).config.epochs).toBe(100);
    const { config } = parseArgs(['--steps', '250', '--val-limit', '50', '--test-limit', '70']);
    expect(config).toMatchObject({ steps: 250, valLimit: 50, testLimit: 70, epochs: DEFAULT_CONFIG.epochs });
    expect(parseArgs(['--test-limit', '70']).config.valLimit).toBeUndefined();
    // Additive methods take any weight: kd_ratio above 1 is refused for kd alone.
    expect(parseArgs(['--method', 'dkd', '--kd-ratio', '2']).config.kdRatio).toBe(2);
    expect(parseArgs(['--recipe', 'kd:2,at:1000']).config.terms?.[0].weight).toBe(2);
  });

  it('method none defaults to kd_ratio 0', () => {
    expect(parseArgs(['--method', 'none']).config.kdRatio).toBe(0);
  });

  it.each([
    [['--temperature', '0'], /Temperature T must be greater than 0/],
    [['--kd-ratio', '-1'], /kd_ratio must be at least 0/],
    [['--lr', '0'], /Learning rate must be greater than 0/],
    [['--batch-size', '0'], /Batch size must be a whole number of at least 1/],
    [['--epochs', '0'], /Epochs must be a whole number of at least 1/],
    [['--bogus'], /Unknown flag "--bogus"/],
    [['--method', 'magic'], /--method: unknown method "magic" \(known: .*kd/],
    [['--method', 'none', '--param', 'temperature=2'], /--param temperature: method "none" has no such parameter/],
    [['--param', 'alpha=1'], /--param alpha: method "kd" has no such parameter \(its parameters: temperature\)/],
    [['--param', 'temperature'], /--param expects NAME=VALUE/],
    [['--lr', 'fast'], /--lr expects a number, got "fast"/],
    [['--lr'], /--lr needs a value/],
    [['--epochs', '--lr', '1'], /--epochs needs a value/],
    [['--dataset', 'cifar'], /--dataset: unknown dataset "cifar"/],
    [['--optimizer', 'rmsprop'], /--optimizer must be adam or sgd/],
    // Number() reads these as 16, 3 and 0: only decimal numbers are numbers here.
    [['--lr', '0x10'], /--lr expects a number, got "0x10" \(decimal digits only\)/],
    [['--seed', '0b11'], /--seed expects a number, got "0b11"/],
    [['--lr', ' '], /--lr expects a number/],
    [['--train-limit', '100.5'], /--train-limit expects a whole number, got "100.5"/],
    [['--epochs', '2.5'], /--epochs expects a whole number, got "2.5"/],
    [['--batch-size', '1e1.5'], /--batch-size expects a number/],
    [['--epochs', '1e9'], /Epochs must be at most 10,000 \(got 1,000,000,000\)/],
    [['--steps', '0'], /Steps must be a whole number of at least 1/],
    [['--steps', '2000000'], /Steps must be at most 1,000,000/],
    [['--eval-every', '0'], /Evaluation interval \(steps\) must be a whole number of at least 1/],
    [['--val-limit', '0'], /Validation limit must be a whole number of at least 1/],
    [['--epochs', '3', '--steps', '100'], /--epochs and --steps both set the run's length: give one/],
    // kd's kd_ratio is a share: above 1 the hard-label weight would jump from 0 back to 1.
    [['--method', 'kd', '--kd-ratio', '1.5'], /kd mixes by ratio: kd_ratio is the soft-label share, from 0 to 1 \(got 1.5\).*jump from 0 back to 1/],
  ])('refuses %j', (argv, message) => {
    expect(refusal(argv)).toMatch(message);
  });

  it('refuses with one line', () => {
    expect(refusal(['--temperature', '0'])).not.toContain('\n');
  });

  it('recognises --help', () => {
    expect(parseArgs(['--help']).help).toBe(true);
  });

  it('refuses the names every object has as unknown flags', () => {
    for (const name of ['constructor', 'toString', '__proto__']) expect(refusal([name, '1'])).toBe(`Unknown flag "${name}" (see --help)`);
  });
});

describe('the knob table as flags', () => {
  it('every knob and extra is a flag named after its key, listed in --help; Train until stopped is not', () => {
    expect(flagOf('kdRatio')).toBe('--kd-ratio');
    const keys = [...KNOBS, ...EXTRA_KNOBS].filter((knob) => knob.cli !== false).map((knob) => knob.key);
    expect([...KNOB_FLAGS.values()].map((knob) => knob.key)).toEqual(keys);
    expect(keys).not.toContain('untilStopped');
    for (const flag of KNOB_FLAGS.keys()) expect(USAGE, flag).toMatch(new RegExp(`${flag}(?![\\w-])`));
    expect(refusal(['--until-stopped'])).toBe('Unknown flag "--until-stopped" (see --help)');
  });

  it('reads each flag as its kind says: numbers (whole ones where the knob is), switches, choices', () => {
    for (const [flag, knob] of KNOB_FLAGS) {
      if (knob.kind === 'number') {
        expect(refusal([flag, 'many']), flag).toBe(`${flag} expects a number, got "many"`);
        if (knob.integer) expect(refusal([flag, '2.5']), flag).toBe(`${flag} expects a whole number, got "2.5"`);
      } else if (knob.kind === 'boolean') {
        expect((parseArgs([flag]).config as unknown as Record<string, unknown>)[knob.key], flag).toBe(true);
      } else {
        expect(refusal([flag]), flag).toBe(`${flag} needs a value`);
      }
    }
    expect(refusal(['--lr-schedule', 'step'])).toBe('--lr-schedule must be constant or cosine, got "step"');
  });

  it('a knob --help does not describe yet gets a line from its own help', () => {
    expect(knobUsageLines(USAGE)).toEqual([]);
    const lines = knobUsageLines('Usage: npm run train -- [flags]');
    expect(lines).toHaveLength(KNOB_FLAGS.size);
    expect(lines).toContain('  --batch-size N        Samples per step; the last partial batch of an epoch is dropped.');
    expect(lines).toContain('  --optimizer adam|sgd  Optimizer');
  });
});
