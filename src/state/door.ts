// The page's worker door, one for the page: state modules reach the worker only through
// `labDoor()`. Tests install a door over a scripted worker with `installDoor`.
import { browserWorker, Door } from '../worker/door';
import type { BackendName, RaceVerdict, RememberedRaces } from '../worker/protocol';
import { browserStorage, readRecord, writeRecord, type RecordStorage } from './storedRecords';

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
  door ??= new Door(browserWorker, () => ({ baseUrl: settings.baseUrl, preferredBackend: settings.preferredBackend, rememberedRaces: rememberedRaces() }));
  return door;
}

/** Where the backend races' verdicts are kept, by race key (adapter, browser, threads): a race costs once. */
export const BACKEND_RACES_KEY = 'distillation-lab.backend-races';

/** The verdicts kept in this browser ({} when none, unreadable or blocked). */
export function rememberedRaces(storage: Pick<Storage, 'getItem'> | undefined = browserStorage()): RememberedRaces {
  return readRecord<RaceVerdict>(storage, BACKEND_RACES_KEY);
}

/** Keep a race's verdict for the next worker with the same key (a full or blocked storage is ignored). */
export function rememberRace(race: RaceVerdict & { key: string }, storage: RecordStorage | undefined = browserStorage()): void {
  writeRecord<RaceVerdict>(storage, BACKEND_RACES_KEY, race.key, { backend: race.backend, why: race.why });
}

/** Replace the door (tests: a door over a scripted worker). */
export function installDoor(next: Door): void {
  door = next;
}
