// The layer pickers' slice: the student's and the teacher's taps (shapes on the chosen dataset)
// and each term's layer pairs as the worker checked them, for the set-up named by `key`.
import { methodSpec, hasMethod } from '../kd/methods';
import type { Tap } from '../models/taps';
import { distillTerms, usesTeacher, type DistillTerm, type ExperimentConfig } from '../train/config';
import type { TermLayerCheck } from '../train/layerCheck';
import type { TeacherSource } from '../worker/protocol';

export interface LayerCheckState {
  /** The set-up the result belongs to (layerCheckRequest's key); '' before any. */
  key: string;
  status: 'idle' | 'checking' | 'ready' | 'failed';
  studentTaps: Tap[];
  teacherTaps: Tap[];
  terms: TermLayerCheck[];
  message: string;
}

export interface LayerSlice {
  layerCheck: LayerCheckState;
}

export const createLayerSlice = (): LayerSlice => ({
  layerCheck: { key: '', status: 'idle', studentTaps: [], teacherTaps: [], terms: [], message: '' },
});

export interface LayerCheckRequest {
  key: string;
  dataset: string;
  student: string;
  teacher: TeacherSource | null;
  terms: DistillTerm[];
}

/** Whether any term of the configuration reads layers (so the pickers have something to show). */
export function readsLayers(config: ExperimentConfig): boolean {
  return distillTerms(config).some((term) => hasMethod(term.method) && methodSpec(term.method).layers.reads !== 'logits');
}

/**
 * What the worker must check for this configuration, or null when nothing reads layers or the
 * teacher is not settled yet (no uploaded file, a shipped id the catalog does not list).
 */
export function layerCheckRequest(
  config: ExperimentConfig,
  teacher: { custom: boolean; uploadedName: string | null; shippedIds: readonly string[] },
): LayerCheckRequest | null {
  if (!readsLayers(config)) return null;
  let source: TeacherSource | null = null;
  if (usesTeacher(config)) {
    if (teacher.custom) {
      if (!teacher.uploadedName) return null;
      source = { kind: 'uploaded' };
    } else {
      if (!teacher.shippedIds.includes(config.teacher)) return null;
      source = { kind: 'shipped', id: config.teacher };
    }
  }
  const terms = distillTerms(config);
  const teacherKey = source?.kind === 'uploaded' ? `uploaded:${teacher.uploadedName}` : (source?.kind === 'shipped' ? source.id : '');
  const key = JSON.stringify([config.dataset, config.student, teacherKey, terms]);
  return { key, dataset: config.dataset, student: config.student, teacher: source, terms };
}
