// The page's side of the worker boundary: one typed object that sends ToWorker messages and
// hands every FromWorker message (and any crash) to a single listener.
import type { FromWorker, ToWorker } from './protocol';

export interface TrainerClientEvents {
  message(message: FromWorker): void;
  /** The worker died or sent something unreadable: it must not be used any more. */
  crash(reason: string): void;
}

export class TrainerClient {
  private readonly worker: Worker;
  private dead = false;

  constructor(private readonly events: TrainerClientEvents) {
    this.worker = new Worker(new URL('./trainer.worker.ts', import.meta.url), { type: 'module', name: 'trainer' });
    this.worker.addEventListener('message', (event: MessageEvent<FromWorker>) => {
      if (!this.dead) this.events.message(event.data);
    });
    this.worker.addEventListener('error', (event: ErrorEvent) => {
      event.preventDefault();
      this.fail(`The training worker crashed: ${event.message || 'unknown error (the worker script may have failed to load)'}`);
    });
    this.worker.addEventListener('messageerror', () => {
      this.fail('The training worker sent a message the page could not read');
    });
  }

  get alive(): boolean {
    return !this.dead;
  }

  send(message: ToWorker, transfer: Transferable[] = []): void {
    if (this.dead) return;
    this.worker.postMessage(message, transfer);
  }

  /** The hard abort: the worker and everything on its device go away at once. */
  terminate(): void {
    this.dead = true;
    this.worker.terminate();
  }

  private fail(reason: string): void {
    if (this.dead) return;
    this.terminate();
    this.events.crash(reason);
  }
}
