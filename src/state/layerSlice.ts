// The layer pickers' slice: the student's and the teacher's taps (a mutual method's: the peer's),
// with their shapes on the chosen dataset, and each term's layer pairs as the worker checked them, for the set-up named by `key`.
import { methodSpec, hasMethod, readsLayers as methodReadsLayers } from '../kd/methods';
import type { Tap } from '../models/taps';
import { distillTerms, isMutual, usesTeacher, type DistillTerm, type ExperimentConfig } from '../train/config';
import type { TermLayerCheck } from '../train/layerCheck';
import type { TeacherSource } from '../worker/protocol';
import type { SettledTeacher } from './teacherChoice';

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
  /** A mutual method's peer architecture (config.peerStudent ?? config.student): its layers are the other side. */
  peer: string | null;
  terms: DistillTerm[];
}

/** Whether any term of the configuration reads layers (so the pickers have something to show). */
export function readsLayers(config: ExperimentConfig): boolean {
  return distillTerms(config).some((term) => hasMethod(term.method) && methodReadsLayers(methodSpec(term.method)));
}

/**
 * What the worker must check for this configuration, or null when nothing reads layers or the
 * teacher it needs is not settled yet (no uploaded file, a shipped id the catalog does not list).
 */
export function layerCheckRequest(config: ExperimentConfig, teacher: SettledTeacher): LayerCheckRequest | null {
  if (!readsLayers(config)) return null;
  const needed = usesTeacher(config);
  if (needed && teacher.key === null) return null;
  const source = needed && teacher.key !== null ? teacher.source : null;
  const peer = isMutual(config) ? (config.peerStudent ?? config.student) : null;
  const terms = distillTerms(config);
  const key = JSON.stringify([config.dataset, config.student, source ? teacher.key : '', peer ?? '', terms]);
  return { key, dataset: config.dataset, student: config.student, teacher: source, peer, terms };
}
