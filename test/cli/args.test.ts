// Flag parsing: flags -> ExperimentConfig, and one clear refusal per bad flag.
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { refusal } from './cliKit';
import { DEFAULT_CONFIG } from '../../src/train/config';


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

  it('reads every flag of DESIGN §4.3', () => {
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
  ])('refuses %j', (argv, message) => {
    expect(refusal(argv)).toMatch(message);
  });

  it('refuses with one line', () => {
    expect(refusal(['--temperature', '0'])).not.toContain('\n');
  });

  it('recognises --help', () => {
    expect(parseArgs(['--help']).help).toBe(true);
  });
});
