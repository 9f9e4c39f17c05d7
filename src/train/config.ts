// The experiment configuration: one table of knobs drives defaults, validation, the URL and the CLI.
import { getMethod, hasMethod, paramProblem } from '../kd';

export type OptimizerId = 'adam' | 'sgd';
export type LrSchedule = 'constant' | 'cosine';

export interface ExperimentConfig {
  dataset: string;
  student: string;
  /** Teacher id from the catalog (or 'custom' for a loaded one); ignored by method 'none'. */
  teacher: string;
  method: string;
  /** The method's own parameters (temperature, alpha, ...). */
  params: Record<string, number>;
  kdRatio: number;
  optimizer: OptimizerId;
  lr: number;
  momentum: number;
  weightDecay: number;
  lrSchedule: LrSchedule;
  batchSize: number;
  epochs: number;
  seed: number;
  /** Random shifts of up to 2 pixels on training batches. */
  augment: boolean;
  trainLimit?: number;
  testLimit?: number;
  /** Evaluate val and test every this many steps (and at every epoch end). */
  evalEvery: number;
}

export const DEFAULT_CONFIG: ExperimentConfig = {
  dataset: 'digits',
  student: 'tiny-cnn',
  teacher: 'digits-teacher-cnn',
  method: 'kd',
  params: { temperature: 4 },
  kdRatio: 0.9,
  optimizer: 'adam',
  lr: 0.003,
  momentum: 0.9,
  weightDecay: 0,
  lrSchedule: 'constant',
  batchSize: 64,
  epochs: 10,
  seed: 1,
  augment: false,
  evalEvery: 200,
};

export interface ConfigProblem {
  field: string;
  message: string;
}

/** Every problem of a configuration, each naming the knob it belongs to. */
export function validateConfig(config: ExperimentConfig, trainCount?: number): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  const finite = (field: string, label: string, value: number) => {
    if (!Number.isFinite(value)) add(field, `${label} must be a number`);
    return Number.isFinite(value);
  };
  if (finite('lr', 'Learning rate', config.lr) && config.lr <= 0) add('lr', `Learning rate must be greater than 0 (got ${config.lr})`);
  if (finite('kdRatio', 'kd_ratio', config.kdRatio) && config.kdRatio < 0) add('kdRatio', `kd_ratio must be at least 0 (got ${config.kdRatio})`);
  if (finite('batchSize', 'Batch size', config.batchSize)) {
    if (!Number.isInteger(config.batchSize) || config.batchSize < 1) add('batchSize', `Batch size must be a whole number of at least 1 (got ${config.batchSize})`);
    else if (trainCount !== undefined && config.batchSize > trainCount) {
      add('batchSize', `Batch size ${config.batchSize} is larger than the training set (${trainCount} samples)`);
    }
  }
  if (finite('epochs', 'Epochs', config.epochs) && (!Number.isInteger(config.epochs) || config.epochs < 1)) {
    add('epochs', `Epochs must be a whole number of at least 1 (got ${config.epochs})`);
  }
  if (finite('weightDecay', 'Weight decay', config.weightDecay) && config.weightDecay < 0) add('weightDecay', 'Weight decay must be at least 0');
  if (finite('momentum', 'Momentum', config.momentum) && (config.momentum < 0 || config.momentum >= 1)) add('momentum', 'Momentum must be in [0, 1)');
  if (!Number.isInteger(config.seed)) add('seed', `Seed must be a whole number (got ${config.seed})`);
  if (finite('evalEvery', 'Evaluation interval', config.evalEvery) && config.evalEvery < 1) add('evalEvery', 'Evaluation interval must be at least 1 step');
  if (config.trainLimit !== undefined && !(config.trainLimit >= 1)) add('trainLimit', 'Train limit must be at least 1');
  if (config.testLimit !== undefined && !(config.testLimit >= 1)) add('testLimit', 'Test limit must be at least 1');
  if (!hasMethod(config.method)) {
    add('method', `Unknown method "${config.method}"`);
  } else {
    const method = getMethod(config.method);
    for (const spec of method.params) {
      const value = config.params[spec.name] ?? spec.default;
      const problem = paramProblem(spec, value);
      if (problem) add(`param.${spec.name}`, problem);
    }
  }
  return problems;
}

export function usesTeacher(config: Pick<ExperimentConfig, 'method'>): boolean {
  return hasMethod(config.method) && getMethod(config.method).kind !== 'none';
}
