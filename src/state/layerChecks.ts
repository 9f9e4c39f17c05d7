// Keeps the layer pickers' slice in step with the set-up: whenever the dataset, the student, the
// teacher or the terms change and some term reads layers, the worker (which owns tfjs and the
// teachers) lists both networks' taps and checks each term's pairs; only the latest answer counts.
import { onWorkerMessage, sendToWorker } from './actions';
import { layerRequest } from './problems';
import { labStore } from './store';

const DEBOUNCE_MS = 120;

let requestId = 0;
let pendingKey = '';
let timer: ReturnType<typeof setTimeout> | null = null;

function refresh(): void {
  const state = labStore.getState();
  const request = layerRequest(state);
  if (!request || request.key === pendingKey) return;
  pendingKey = request.key;
  labStore.setState({ layerCheck: { ...state.layerCheck, key: request.key, status: 'checking' } });
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => {
    timer = null;
    requestId++;
    sendToWorker({ type: 'checkLayers', requestId, dataset: request.dataset, student: request.student, teacher: request.teacher, terms: request.terms });
  }, DEBOUNCE_MS);
}

/** Start following the store (once, after initLab). */
export function startLayerChecks(): void {
  onWorkerMessage((message) => {
    if (message.type === 'layersChecked' && message.requestId === requestId) {
      labStore.setState({
        layerCheck: {
          key: pendingKey,
          status: message.message === null ? 'ready' : 'failed',
          studentTaps: message.studentTaps,
          teacherTaps: message.teacherTaps,
          terms: message.terms,
          message: message.message ?? '',
        },
      });
    }
    // A fresh worker (after a crash or a lost device) never answers the old one's request: ask again.
    if (message.type === 'backend') {
      pendingKey = '';
      refresh();
    }
  });
  labStore.subscribe((state, previous) => {
    if (state.config !== previous.config || state.teacherIndex !== previous.teacherIndex || state.uploadedTeacher !== previous.uploadedTeacher) refresh();
  });
  refresh();
}
