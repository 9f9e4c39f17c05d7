// A window on a run as it trains: its distillation plan (the tapped student and teacher, each
// term's layers and learnable connectors), the steps it has trained and its terms as live knobs
// left them. The lab reads it between steps to draw what each loss compares (matchedView.ts,
// docs/ARCHITECTURE.md §4.6), and keeps a copy of it when the run ends.
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { LearnableParts, ResolvedParams } from '../kd';
import type { DatasetInfo } from '../data/types';
import { disposeModel } from '../models/architectures';
import type { ExperimentConfig } from './config';
import type { DistillPlan, PlannedTerm } from './distillPlan';
import type { LiveTerms } from './liveTerms';
import { buildStudent } from './runSetup';
import { planRun } from './trainingParts';

export interface RunWindow {
  /** The run's plan: its learnable parts live until the window closes (RunHooks.onWindowClose). */
  readonly plan: DistillPlan;
  /** Steps trained so far. */
  readonly step: number;
  /** The terms as the loop trains them now (live knob changes applied). */
  readonly terms: LiveTerms;
}

/** The loop's window on its own state: the step and the terms read when asked, never copied. */
export function windowOf(plan: DistillPlan, step: () => number, terms: () => LiveTerms): RunWindow {
  return {
    plan,
    get step() {
      return step();
    },
    get terms() {
      return terms();
    },
  };
}

/** The parts of a run the matched view reads: the plan's terms and tapped models, each term's parameters. */
export interface RunParts {
  plan: Pick<DistillPlan, 'terms' | 'planned' | 'studentTaps' | 'teacherTaps'>;
  /** Each term's parameters as trained at `step`, in plan order. */
  params: readonly ResolvedParams[];
  step: number;
}

/** What a window shows now (valid while it is open). */
export function partsOf(window: RunWindow): RunParts {
  return { plan: window.plan, params: window.terms.terms.map((term) => term.params), step: window.step };
}

/** A closed run's parts, its learnable connectors copied (the run freed its own); `dispose` frees the copies. */
export interface KeptRun extends RunParts {
  dispose(): void;
}

/** The shape of a tapped model's output (batch dimension included), as a connector reads it. */
function outputShape(plan: DistillPlan, side: 'studentTaps' | 'teacherTaps', index: number): number[] {
  const tapped = plan[side];
  if (!tapped) throw new Error(`The plan has no ${side}`);
  return tapped.model.outputs[index].shape.map((d) => d ?? 1);
}

/** A copy of a term's trained connectors: built by the method for the same pairs, then given their values. */
function copyLearnable(plan: DistillPlan, term: PlannedTerm): LearnableParts | null {
  const trained = term.learnable;
  if (!trained || !term.method.createLearnable) return null;
  const pairs = term.studentFeatures.map((studentIndex, i) => ({
    student: outputShape(plan, 'studentTaps', studentIndex),
    teacher: outputShape(plan, 'teacherTaps', term.teacherFeatures[i]),
  }));
  const copy = term.method.createLearnable(pairs, 0);
  if (copy.variables.length !== trained.variables.length) {
    copy.dispose();
    throw new Error(`${term.method.label}: its connectors could not be copied`);
  }
  copy.variables.forEach((variable, i) => variable.assign(trained.variables[i] as tf.Tensor));
  return copy;
}

/**
 * Keep what the matched view needs of a run whose window is closing: the plan's terms and tapped
 * models (they share the student's and the teacher's weights, which outlive the run), the final
 * step and parameters, and copies of the learnable connectors.
 */
export function keepWindow(window: RunWindow): KeptRun {
  const { plan } = window;
  const copies: (LearnableParts | null)[] = [];
  try {
    for (const term of plan.planned) copies.push(copyLearnable(plan, term));
  } catch (error) {
    copies.forEach((copy) => copy?.dispose());
    throw error;
  }
  return {
    ...partsOf(window),
    plan: { ...plan, planned: plan.planned.map((term, i) => ({ ...term, learnable: copies[i] })) },
    dispose: () => copies.forEach((copy) => copy?.dispose()),
  };
}

/** A run's start rebuilt: its student as it was before the first step, with the parts of that moment. */
export interface StartOfRun {
  student: tfl.LayersModel;
  /** A mutual run's peer student as it was before the first step (the plan taps it as a teacher); null for any other run. */
  peer: tfl.LayersModel | null;
  parts: RunParts;
  /** Free the rebuilt student, its peer and its connectors (never the teacher). */
  dispose(): void;
}

/**
 * The run's start, rebuilt from its seed: the student (buildStudent), a mutual run's peer and the
 * plan with its connectors as initialised (planRun: the peer built from config.seed first, then
 * the plan, its connectors seeded from config.seed), the configuration's parameters, step 0. The
 * same weights as the run's own before its first step.
 */
export function startOfRun(config: ExperimentConfig, info: Pick<DatasetInfo, 'inputShape' | 'numClasses'>, teacher: tfl.LayersModel | null): StartOfRun {
  const student = buildStudent(config, info);
  try {
    const { plan, peer, dispose } = planRun(config, student, teacher, undefined, info);
    return {
      student,
      peer: peer ?? null,
      parts: { plan, params: plan.terms.map((term) => term.params), step: 0 },
      dispose: () => {
        dispose();
        disposeModel(student);
      },
    };
  } catch (error) {
    disposeModel(student);
    throw error;
  }
}
