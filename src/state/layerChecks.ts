// Keeps the layer pickers' slice in step with the set-up: whenever the dataset, the student, the
// teacher or the terms change and some term reads layers, the worker (which owns tfjs and the
// teachers) lists both networks' taps and checks each term's pairs; only the latest answer counts.
import { SUPERSEDED, WorkerGone } from '../worker/door';
import { labDoor } from './door';
import { layerRequest } from './problems';
import { labStore } from './store';
import { errorMessage } from '../core/errors';

const DEBOUNCE_MS = 120;

let pendingKey = '';
let timer: ReturnType<typeof setTimeout> | null = null;

function refresh(): void {
  const state = labStore.getState();
  const request = layerRequest(state);
  if (!request || request.key === pendingKey) return;
  const key = request.key;
  pendingKey = key;
  labStore.setState({ layerCheck: { ...state.layerCheck, key, status: 'checking' } });
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => {
    timer = null;
    labDoor()
      .latest('checkLayers', 'checkLayers', { dataset: request.dataset, student: request.student, teacher: request.teacher, peer: request.peer, terms: request.terms })
      .then(
        (checked) => {
          if (checked !== SUPERSEDED) labStore.setState({ layerCheck: { key, status: 'ready', ...checked, message: '' } });
        },
        (error: unknown) => {
          // A fresh worker is asked again (onRestart below).
          if (error instanceof WorkerGone) return;
          labStore.setState({ layerCheck: { key, status: 'failed', studentTaps: [], teacherTaps: [], terms: [], message: errorMessage(error) } });
        },
      );
  }, DEBOUNCE_MS);
}

/** Start following the store (once, after initLab). */
export function startLayerChecks(): void {
  // A fresh worker (after a crash or a lost device) never answers the old one's request: ask again.
  labDoor().onRestart(() => {
    pendingKey = '';
    refresh();
  });
  labStore.subscribe((state, previous) => {
    if (state.config !== previous.config || state.teacherIndex !== previous.teacherIndex || state.uploadedTeacher !== previous.uploadedTeacher) refresh();
  });
  refresh();
}
