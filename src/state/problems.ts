// What stops a run from starting, each problem naming the control it belongs to.
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { getBuiltinDataset } from '../data/registry';
import { omittedClassesProblem, VAL_FRACTION } from '../data/split';
import { teacherMismatch, teachersFor } from '../models/catalog';
import { ARCHITECTURE_SPECS, inputSizeProblem } from '../models/architectureSpecs';
import { usesTeacher, validateConfig, type ConfigProblem } from '../train/config';
import { useLab, type LabState } from './store';
import { layerCheckRequest, type LayerCheckRequest } from './layerSlice';
import { CUSTOM_TEACHER, settledTeacher } from './teacherChoice';
import { datasetInfoOf } from './datasetInfo';

/** Training samples a run would see: the loaded split, or what the registry promises. */
export function trainCount(state: Pick<LabState, 'config' | 'datasets'>): number | undefined {
  const { config } = state;
  const summary = state.datasets[config.dataset]?.summary;
  let count = summary?.sizes.train;
  // Omitted classes leave the transfer set; without the loaded class counts the limit alone is known.
  if (count !== undefined && summary && config.omitClasses) count -= config.omitClasses.reduce((n, c) => n + (summary.classCounts[c] ?? 0), 0);
  if (count === undefined) {
    try {
      const total = getBuiltinDataset(config.dataset).sizes.train;
      count = total - Math.round(total * VAL_FRACTION);
    } catch {
      return undefined;
    }
  }
  return config.trainLimit !== undefined && config.trainLimit >= 1 ? Math.min(count, Math.floor(config.trainLimit)) : count;
}

type ProblemInputs = Pick<LabState, 'config' | 'datasets' | 'teacherIndex' | 'uploadedTeacher' | 'layerCheck'>;

function teacherProblem(state: ProblemInputs): string | null {
  const { config } = state;
  if (!usesTeacher(config)) return null;
  const info = datasetInfoOf(state.datasets, config.dataset);
  if (!info) return null;
  if (config.teacher === CUSTOM_TEACHER) {
    const uploaded = state.uploadedTeacher;
    if (!uploaded) return 'Load a teacher from disk first, or pick a shipped one';
    return teacherMismatch(uploaded.inputShape, uploaded.numClasses, info);
  }
  if (state.teacherIndex.status === 'loading') return 'The teacher catalog is still loading';
  const fitting = teachersFor(state.teacherIndex.cards, config.dataset);
  if (fitting.some((card) => card.id === config.teacher)) return null;
  if (fitting.length === 0) {
    return `No shipped teacher for ${info.name} yet: train one here ("Train a teacher" in the Models panel), load your own, or train from scratch with method "none".`;
  }
  return `Pick a teacher trained on ${info.name}`;
}

/** Images too small for the student (or the teacher being trained): refused here, before the worker would fail on them. */
function inputSizeProblemOf(state: Pick<LabState, 'config' | 'datasets'>): string | null {
  const info = datasetInfoOf(state.datasets, state.config.dataset);
  const spec = ARCHITECTURE_SPECS.find((arch) => arch.id === state.config.student);
  if (!info || !spec) return null;
  const problem = inputSizeProblem(spec, info.inputShape);
  return problem && `${info.name}: ${problem}. Pick the MLP, or give larger images.`;
}

function omittedProblem(state: Pick<LabState, 'config' | 'datasets'>): string | null {
  const { config } = state;
  if (!config.omitClasses?.length) return null;
  const info = datasetInfoOf(state.datasets, config.dataset);
  return info ? omittedClassesProblem(config.omitClasses, info) : null;
}

/** The layer check the current set-up needs from the worker (null: nothing reads layers, or the teacher is unsettled). */
export function layerRequest(state: Pick<LabState, 'config' | 'teacherIndex' | 'uploadedTeacher'>): LayerCheckRequest | null {
  return layerCheckRequest(state.config, settledTeacher(state));
}

/** Refused layer pairs (`layers.<term index>`), and a pending check, which also holds Start back. */
function layerProblems(state: ProblemInputs): ConfigProblem[] {
  const request = layerRequest(state);
  const check = state.layerCheck;
  if (!request) return [];
  if (check.key !== request.key || check.status === 'checking') return [{ field: 'layers', message: 'Checking the layer pairs…' }];
  if (check.status !== 'ready') return [];
  return check.terms.flatMap((term, index) => (term.problem ? [{ field: `layers.${index}`, message: term.problem }] : []));
}

export function configProblems(state: ProblemInputs): ConfigProblem[] {
  const problems = validateConfig(state.config, trainCount(state));
  const omitted = omittedProblem(state);
  if (omitted) problems.push({ field: 'omitClasses', message: omitted });
  const tooSmall = inputSizeProblemOf(state);
  if (tooSmall) problems.push({ field: 'student', message: tooSmall });
  const teacher = teacherProblem(state);
  if (teacher) problems.push({ field: 'teacher', message: teacher });
  problems.push(...layerProblems(state));
  return problems;
}

export function useProblems(): ConfigProblem[] {
  const inputs = useLab(
    useShallow((s) => ({ config: s.config, datasets: s.datasets, teacherIndex: s.teacherIndex, uploadedTeacher: s.uploadedTeacher, layerCheck: s.layerCheck })),
  );
  return useMemo(() => configProblems(inputs), [inputs]);
}

/** The message for one field (`lr`, `param.temperature`, `teacher`, …), or null. */
export function useProblem(field: string): string | null {
  const problems = useProblems();
  return problems.find((p) => p.field === field)?.message ?? null;
}
