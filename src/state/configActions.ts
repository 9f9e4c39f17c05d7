// The set-up's setters: what the Lab's controls and the presets change. A dataset change loads
// the dataset and keeps the teacher fitting it; knobs that a running loop reads live reach it.
import { hasMethod } from '../kd/methods';
import { withMethod, type ExperimentConfig } from '../train/config';
import { deleteSavedDataset, requestDataset, uploadDataset } from './datasetActions';
import type { NumberKey } from './knobs';
import { sendLiveKnobs } from './runLifecycle';
import { CUSTOM_TEACHER } from './teacherChoice';
import { labStore } from './store';
import { reconcileTeacher } from './teacherActions';
import type { KnobSource } from './liveKnobThrottle';

const get = () => labStore.getState();
const set = labStore.setState;

function updateConfig(patch: Partial<ExperimentConfig>): void {
  set((state) => ({ config: { ...state.config, ...patch } }));
}

export function setDataset(id: string): void {
  updateConfig({ dataset: id });
  if (get().config.teacher === CUSTOM_TEACHER && !get().uploadedTeacher) updateConfig({ teacher: '' });
  reconcileTeacher();
  requestDataset(id);
}

/** Read the user's files as a dataset and, when they are accepted, train on it (an image folder at `imageSize`, default its most common size). */
export async function loadOwnDataset(files: readonly File[], imageSize: [number, number] | undefined = uploadImageSize()): Promise<void> {
  const id = await uploadDataset(files, imageSize);
  if (id) setDataset(id);
}

/** The size the Data panel's choice asks image folders to be resized to (undefined: their most common size). */
function uploadImageSize(): [number, number] | undefined {
  const side = get().uploadImageSide;
  return side === null ? undefined : [side, side];
}

/** Delete one of the user's datasets from this browser; the Lab goes back to Digits if it was the current one. */
export async function forgetDataset(id: string): Promise<string | null> {
  const problem = await deleteSavedDataset(id);
  if (!problem && get().config.dataset === id) setDataset('digits');
  return problem;
}

/** Replace the whole set-up (a preset): the dataset loads and the teacher follows it, as with the controls. */
export function replaceConfig(next: ExperimentConfig): void {
  const datasetChanged = next.dataset !== get().config.dataset;
  set({ config: structuredClone(next) });
  if (datasetChanged) setDataset(next.dataset);
  else reconcileTeacher();
}

export function setStudent(id: string): void {
  updateConfig({ student: id });
}

export function setTeacher(id: string): void {
  updateConfig({ teacher: id });
}

export function setMethod(id: string): void {
  if (!hasMethod(id) || (id === get().config.method && !get().config.terms)) return;
  // The new method starts from its reference parameters and weight; a recipe and chosen layers
  // are left behind.
  set((state) => ({ config: withMethod(state.config, id) }));
  reconcileTeacher();
}

export function setParam(name: string, value: number, source: KnobSource = 'typed'): void {
  set((state) => ({ config: { ...state.config, params: { ...state.config.params, [name]: value } } }));
  sendLiveKnobs({ params: { [name]: value } }, source);
}

export function setNumber(key: NumberKey, value: number | undefined, source: KnobSource = 'typed'): void {
  updateConfig({ [key]: value } as Partial<ExperimentConfig>);
  if (key === 'kdRatio' && value !== undefined) sendLiveKnobs({ kdRatio: value }, source);
}

export function setChoice(key: 'optimizer' | 'lrSchedule', value: string): void {
  if (key === 'optimizer' && (value === 'adam' || value === 'sgd')) updateConfig({ optimizer: value });
  if (key === 'lrSchedule' && (value === 'constant' || value === 'cosine')) updateConfig({ lrSchedule: value });
}

/** Classes left out of the transfer set (sorted; none: the whole training set). */
export function setOmitClasses(classes: readonly number[]): void {
  const sorted = [...new Set(classes)].sort((x, y) => x - y);
  updateConfig({ omitClasses: sorted.length > 0 ? sorted : undefined });
}

/** A yes/no knob of the knob table (augmentation, train until stopped). */
export function setFlag(key: 'augment' | 'untilStopped', on: boolean): void {
  updateConfig({ [key]: on });
}

/** The loss chart's display: smoothed curves, a log-scale y axis. */
export function setSmoothLoss(on: boolean): void {
  set((state) => ({ ui: { ...state.ui, smoothLoss: on } }));
}

export function setWholeRun(on: boolean): void {
  set((state) => ({ ui: { ...state.ui, wholeRun: on } }));
}

export function setLogLoss(on: boolean): void {
  set((state) => ({ ui: { ...state.ui, logLoss: on } }));
}
