// The experiment configuration: one table of knobs drives defaults, validation, the URL and the CLI.
import { methodSpec, hasMethod, paramProblem } from '../kd/methods';

export type OptimizerId = 'adam' | 'sgd';

/**
 * One distillation term of a recipe: a method, its weight (mixing.ts says how it combines with
 * CE), its parameters and, for methods that read layers, the student and teacher layers paired
 * by position (absent: the method's default pairs, see defaultLayerPairs).
 */
export interface DistillTerm {
  method: string;
  weight: number;
  params: Record<string, number>;
  studentLayers?: string[];
  teacherLayers?: string[];
}
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
  /** Passes over the training set; ignored when `steps` is set. */
  epochs: number;
  /** A step budget: when set, the run trains exactly this many steps and `epochs` is ignored. */
  steps?: number;
  /**
   * Train until stopped (the TensorFlow Playground's way): the run goes on past its epochs or
   * steps, with a constant learning rate, until Finish (RunControl.finish) ends it and scores it
   * on the whole splits. Epochs or steps are then only the horizon a warm-up ramps over.
   */
  untilStopped?: boolean;
  seed: number;
  /** Random shifts of up to 2 pixels on training batches. */
  augment: boolean;
  trainLimit?: number;
  /**
   * Classes left out of the transfer (training) set, e.g. [3] (Hinton et al. 2015, §3); the
   * teacher, the validation and the test splits keep them. Absent or empty: none.
   */
  omitClasses?: number[];
  /** The first N test samples only (the validation split has its own limit, valLimit). */
  testLimit?: number;
  /** The first N validation samples only. */
  valLimit?: number;
  /**
   * Evaluate every this many steps (the curves' points, on the first CURVE_EVAL_SAMPLES val and
   * test samples) and once at the end on the whole val and test splits.
   */
  evalEvery: number;
  /** Layers the single method reads (names of taps, paired by position); absent: its defaults. */
  studentLayers?: string[];
  teacherLayers?: string[];
  /**
   * A recipe: several terms trained at once, each reported on its own. When present it replaces
   * method / kdRatio / params / studentLayers / teacherLayers (`method` should name the first
   * term's method, so pickers show it). Methods appear at most once; none and dml cannot be part.
   */
  terms?: DistillTerm[];
  /** DML only: the second student's architecture (default: the same as `student`). */
  peerStudent?: string;
  /**
   * Label-free mode (SSLD-style): the share of training samples, in (0, 1], that keep their label
   * (a fixed subset drawn from the seed); the others get no CE, only the distillation terms.
   * Absent: 1.
   */
  labelledFraction?: number;
  /**
   * Test-time augmentation: 0 / absent = off; 1, 2 or 3 = the test prediction averages the
   * softmax of the image and of its shifts by ±s pixels along x and along y (5 views, zero fill).
   */
  ttaShift?: number;
  /**
   * 0 / absent = off; in (0, 1), e.g. 0.999: an exponential moving average of the student's
   * trainable weights, updated after every step; evaluations use it and the run ends with it
   * copied into the student.
   */
  emaDecay?: number;
  /**
   * 0 / absent = off; > 0: R-Drop (Liang et al. 2021) with this alpha: two dropout passes of the
   * student (dropout 0.1 on its embedding), CE averaged over both + alpha * symmetric KL.
   */
  rdropAlpha?: number;
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
  // A default Digits run (10 epochs of 20 steps) gets a curve point per epoch.
  evalEvery: 20,
};

/**
 * Evaluations during the run (the curves' points) score the first this many val and test samples;
 * the run's final numbers always use the whole splits. Digits' splits are smaller than this.
 */
export const CURVE_EVAL_SAMPLES = 1000;

/**
 * A stopped run (or one stopped during its final evaluation) is scored on the first this many val
 * and test samples, not the whole splits: a Stop must end every phase within a second or two, and
 * a forward pass over 1,000 MNIST images takes ~2 s for small-cnn on the cpu backend.
 */
export const STOPPED_SCORE_SAMPLES = 500;

/** Upper bounds of the integer knobs: beyond them a value is a typo (epochs=1e9), not a plan. */
export const KNOB_MAXIMA = {
  epochs: 10_000,
  steps: 1_000_000,
  /** A batch larger than the loaded training set is refused with its size once that is known. */
  batchSize: 10_000_000,
  evalEvery: 1_000_000,
  /** trainLimit, valLimit and testLimit: more samples than any dataset the lab loads. */
  samples: 10_000_000,
} as const;

/** The shifts test-time augmentation offers, in pixels (0 turns it off). */
export const TTA_SHIFTS: readonly number[] = [1, 2, 3];

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
  const wholeNumber = (field: string, label: string, value: number, min: number, max: number) => {
    if (!finite(field, label, value)) return false;
    if (!Number.isInteger(value) || value < min) add(field, `${label} must be a whole number of at least ${min} (got ${value})`);
    else if (value > max) add(field, `${label} must be at most ${max.toLocaleString('en')} (got ${value.toLocaleString('en')})`);
    else return true;
    return false;
  };
  if (finite('lr', 'Learning rate', config.lr) && config.lr <= 0) add('lr', `Learning rate must be greater than 0 (got ${config.lr})`);
  if (finite('kdRatio', 'kd_ratio', config.kdRatio)) {
    if (config.kdRatio < 0) add('kdRatio', `kd_ratio must be at least 0 (got ${config.kdRatio})`);
    else if (config.kdRatio > 1 && !config.terms && hasMethod(config.method) && methodSpec(config.method).mixing === 'ratio') add('kdRatio', ratioJumpMessage(config.method, config.kdRatio));
  }
  if (wholeNumber('batchSize', 'Batch size', config.batchSize, 1, KNOB_MAXIMA.batchSize) && trainCount !== undefined && config.batchSize > trainCount) {
    add('batchSize', `Batch size ${config.batchSize} is larger than the training set (${trainCount} samples)`);
  }
  wholeNumber('epochs', 'Epochs', config.epochs, 1, KNOB_MAXIMA.epochs);
  if (config.steps !== undefined) wholeNumber('steps', 'Steps', config.steps, 1, KNOB_MAXIMA.steps);
  if (finite('weightDecay', 'Weight decay', config.weightDecay) && config.weightDecay < 0) add('weightDecay', 'Weight decay must be at least 0');
  if (finite('momentum', 'Momentum', config.momentum) && (config.momentum < 0 || config.momentum >= 1)) add('momentum', 'Momentum must be in [0, 1)');
  if (!Number.isInteger(config.seed)) add('seed', `Seed must be a whole number (got ${config.seed})`);
  wholeNumber('evalEvery', 'Evaluation interval (steps)', config.evalEvery, 1, KNOB_MAXIMA.evalEvery);
  if (config.trainLimit !== undefined) wholeNumber('trainLimit', 'Train limit', config.trainLimit, 1, KNOB_MAXIMA.samples);
  if (config.valLimit !== undefined) wholeNumber('valLimit', 'Validation limit', config.valLimit, 1, KNOB_MAXIMA.samples);
  if (config.testLimit !== undefined) wholeNumber('testLimit', 'Test limit', config.testLimit, 1, KNOB_MAXIMA.samples);
  if (config.omitClasses !== undefined) {
    const classes = config.omitClasses;
    if (!classes.every((c) => Number.isInteger(c) && c >= 0)) add('omitClasses', `Omitted classes must be class indices (whole numbers from 0), got ${classes.join(',')}`);
    else if (new Set(classes).size !== classes.length) add('omitClasses', `Omitted classes name a class twice (${classes.join(',')})`);
  }
  if (config.labelledFraction !== undefined) {
    const fraction = config.labelledFraction;
    if (finite('labelledFraction', 'Labelled fraction', fraction) && !(fraction > 0 && fraction <= 1)) {
      add('labelledFraction', `Labelled fraction must be in (0, 1] (got ${fraction})`);
    }
  }
  if (config.ttaShift !== undefined && !(config.ttaShift === 0 || TTA_SHIFTS.includes(config.ttaShift))) {
    add('ttaShift', `TTA shift must be 0 (off), 1, 2 or 3 pixels (got ${config.ttaShift})`);
  }
  if (config.emaDecay !== undefined && finite('emaDecay', 'EMA decay', config.emaDecay) && !(config.emaDecay === 0 || (config.emaDecay > 0 && config.emaDecay < 1))) {
    add('emaDecay', `EMA decay must be 0 (off) or in (0, 1), e.g. 0.999 (got ${config.emaDecay})`);
  }
  if (config.rdropAlpha !== undefined && finite('rdropAlpha', 'R-Drop alpha', config.rdropAlpha)) {
    if (config.rdropAlpha < 0) add('rdropAlpha', `R-Drop alpha must be at least 0 (got ${config.rdropAlpha})`);
    else if (config.rdropAlpha > 0 && isMutual(config)) add('rdropAlpha', 'R-Drop cannot be combined with DML');
  }
  if (!hasMethod(config.method)) {
    add('method', `Unknown method "${config.method}"`);
  } else if (!config.terms) {
    const method = methodSpec(config.method);
    for (const name of Object.keys(config.params)) {
      if (!method.params.some((spec) => spec.name === name)) {
        const known = method.params.map((spec) => spec.name).join(', ') || 'none';
        add(`param.${name}`, `Method "${method.id}" has no parameter "${name}" (its parameters: ${known})`);
      }
    }
    for (const spec of method.params) {
      const value = config.params[spec.name] ?? spec.default;
      const problem = paramProblem(spec, value);
      if (problem) add(`param.${spec.name}`, problem);
    }
  }
  if (config.terms) validateTerms(config.terms, add);
  return problems;
}

/** Why a ratio-mixing method (kd) refuses a weight above 1: the hard-label weight jumps there. */
export function ratioJumpMessage(method: string, kdRatio: number): string {
  return (
    `${method} mixes by ratio: kd_ratio is the soft-label share, from 0 to 1 (got ${kdRatio}). ` +
    'Above 1 the hard-label weight would jump from 0 back to 1 (CE + r·KD); for that, use a recipe.'
  );
}

function validateTerms(terms: readonly DistillTerm[], add: (field: string, message: string) => void): void {
  if (terms.length === 0) add('terms', 'A recipe needs at least one term');
  const seen = new Set<string>();
  terms.forEach((term, index) => {
    if (!hasMethod(term.method)) {
      add(`terms.${index}.method`, `Unknown method "${term.method}" in the recipe`);
      return;
    }
    const method = methodSpec(term.method);
    if (method.kind === 'none' || method.kind === 'mutual') {
      add(`terms.${index}.method`, `${method.label} cannot be part of a recipe (train it as the single method)`);
    }
    if (seen.has(term.method)) add(`terms.${index}.method`, `The recipe names "${term.method}" twice; give one term several layer pairs instead`);
    seen.add(term.method);
    if (!Number.isFinite(term.weight) || term.weight < 0) {
      add(`terms.${index}.weight`, `The weight of ${term.method} must be a number of at least 0 (got ${term.weight})`);
    }
    for (const name of Object.keys(term.params)) {
      if (!method.params.some((spec) => spec.name === name)) {
        const known = method.params.map((spec) => spec.name).join(', ') || 'none';
        add(`param.${term.method}.${name}`, `Method "${term.method}" has no parameter "${name}" (its parameters: ${known})`);
      }
    }
    for (const spec of method.params) {
      const problem = paramProblem(spec, term.params[spec.name] ?? spec.default);
      if (problem) add(`param.${term.method}.${spec.name}`, `${term.method}: ${problem}`);
    }
  });
}

/**
 * The configuration switched to another method, with that method's reference parameters and
 * weight ('none' keeps the weight, it ignores it). Nothing carries over, not even a parameter of
 * the same name: DIST's τ means something else than KD's T, and its reference value is 1, not 4.
 * The old method's recipe and layer pairs are left behind.
 */
export function withMethod(config: ExperimentConfig, id: string): ExperimentConfig {
  const method = methodSpec(id);
  const params: Record<string, number> = {};
  for (const spec of method.params) params[spec.name] = spec.default;
  const kdRatio = method.kind === 'none' ? config.kdRatio : method.defaultWeight;
  const next: ExperimentConfig = { ...config, method: id, params, kdRatio };
  delete next.terms;
  delete next.studentLayers;
  delete next.teacherLayers;
  return next;
}

/**
 * The distillation terms a configuration trains: its recipe, or the single method as one term
 * (weight kdRatio). Empty for the scratch student (method none).
 */
export function distillTerms(config: Pick<ExperimentConfig, 'method' | 'kdRatio' | 'params' | 'terms' | 'studentLayers' | 'teacherLayers'>): DistillTerm[] {
  if (config.terms) return config.terms.map((term) => ({ ...term, params: { ...term.params } }));
  if (!hasMethod(config.method) || methodSpec(config.method).kind === 'none') return [];
  const term: DistillTerm = { method: config.method, weight: config.kdRatio, params: { ...config.params } };
  if (config.studentLayers) term.studentLayers = [...config.studentLayers];
  if (config.teacherLayers) term.teacherLayers = [...config.teacherLayers];
  return [term];
}

/** Whether the run needs a pretrained teacher: a term other than none and dml (its peer is a student). */
export function usesTeacher(config: Pick<ExperimentConfig, 'method'> & Partial<Pick<ExperimentConfig, 'terms'>>): boolean {
  const methods = config.terms ? config.terms.map((term) => term.method) : [config.method];
  return methods.some((id) => hasMethod(id) && methodSpec(id).kind !== 'none' && methodSpec(id).kind !== 'mutual');
}

/** Whether the run trains two students together (DML). */
export function isMutual(config: Pick<ExperimentConfig, 'method'> & Partial<Pick<ExperimentConfig, 'terms'>>): boolean {
  return !config.terms && hasMethod(config.method) && methodSpec(config.method).kind === 'mutual';
}
