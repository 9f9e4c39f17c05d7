// The training worker: a router from the page's requests to the lab object (worker/lab/), which
// owns the tfjs backend, the datasets on the device, the teachers and the run. It imports nothing
// from the UI; the page talks to it only through protocol.ts messages.
/// <reference lib="webworker" />
import { createLab } from './lab';
import { destroyWebGpuDevice, selectBackend, useCpu, webGpuDeviceLost } from './backend';
import type { FromWorker, RequestMessage } from './protocol';
import { errorMessage } from '../core/errors';

declare const self: DedicatedWorkerGlobalScope;

const post = (message: FromWorker, transfer: Transferable[] = []) => self.postMessage(message, transfer);

const lab = createLab({
  post,
  fetch: (url) => fetch(url),
  selectBackend,
  useCpu,
  deviceLost: webGpuDeviceLost,
  destroyDevice: destroyWebGpuDevice,
});

self.addEventListener('message', (event: MessageEvent<RequestMessage>) => {
  void lab.answer(event.data).then(({ reply, transfer }) => post(reply, transfer));
});

self.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  void lab.reportFailure(`Unexpected failure in the worker: ${errorMessage(event.reason)}`);
});
