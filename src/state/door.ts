// The page's worker door, one for the page: state modules reach the worker only through
// `labDoor()`. Tests install a door over a scripted worker with `installDoor`.
import { browserWorker, Door } from '../worker/door';
import type { BackendName } from '../worker/protocol';

let door: Door | null = null;
const settings: { baseUrl: string; preferredBackend?: BackendName } = { baseUrl: '' };

/** Where the worker fetches the app's files from, and the backend the user forced (read whenever a worker starts). */
export function configureWorker(next: { baseUrl: string; preferredBackend?: BackendName }): void {
  settings.baseUrl = next.baseUrl;
  settings.preferredBackend = next.preferredBackend;
}

export function preferredBackend(): BackendName | undefined {
  return settings.preferredBackend;
}

export function labDoor(): Door {
  door ??= new Door(browserWorker, () => ({ baseUrl: settings.baseUrl, preferredBackend: settings.preferredBackend }));
  return door;
}

/** Replace the door (tests: a door over a scripted worker). */
export function installDoor(next: Door): void {
  door = next;
}
