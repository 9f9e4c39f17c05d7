// The store's slice for looking inside models: the soft-label explorer (teacher logits on test
// images, the student's distribution) and the run inspector (misclassified examples).
import type { MisclassifiedPair, StudentSummary, TeacherView } from '../worker/protocol';

export const DEFAULT_EXPLORER_TEMPERATURE = 4;
export const EXPLORER_TEMPERATURE_RANGE = { min: 0.5, max: 20, step: 0.5 } as const;

export interface TeacherViewState {
  /** The dataset and teacher the view belongs to (see explorerKey). */
  key: string;
  status: 'idle' | 'loading' | 'ready' | 'failed';
  message: string;
  view: TeacherView | null;
}

export interface StudentViewState {
  /** The teacher view whose grid images the logits follow. */
  key: string;
  status: 'idle' | 'loading' | 'ready' | 'none';
  student: StudentSummary | null;
  /** grid images × classes, row-major; null when there is no student for this dataset. */
  logits: Float32Array | null;
  message: string;
}

export interface InspectionState {
  runId: string | null;
  status: 'idle' | 'loading' | 'ready' | 'failed';
  pairs: MisclassifiedPair[];
  message: string;
}

export interface ExplorerSlice {
  explorer: {
    temperature: number;
    /** While a Lab run trains, the slider also moves the run's own T (a live knob): the student column then shows its reaction. */
    steerRun: boolean;
    /** Position in the teacher view's grid. */
    selected: number;
    teacher: TeacherViewState;
    student: StudentViewState;
  };
  inspection: InspectionState;
}

export function createExplorerSlice(): ExplorerSlice {
  return {
    explorer: {
      temperature: DEFAULT_EXPLORER_TEMPERATURE,
      steerRun: true,
      selected: 0,
      teacher: { key: '', status: 'idle', message: '', view: null },
      student: { key: '', status: 'idle', student: null, logits: null, message: '' },
    },
    inspection: { runId: null, status: 'idle', pairs: [], message: '' },
  };
}
