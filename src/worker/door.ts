// The page's one door to the training worker (docs/ARCHITECTURE.md §3): typed requests that
// resolve with the worker's reply and reject on its failure or its death, "latest answer wins"
// channels for pickers that re-ask often, events, and word when a fresh worker replaces a dead
// one. The worker itself is behind a Transport, so tests open the door on a scripted fake.
import type { EventName, Events, FromWorker, ReplyValue, RequestBody, RequestKind, RequestMessage, WorkerStart } from './protocol';

/** What the door needs of a worker. */
export interface Transport {
  postMessage(message: RequestMessage, transfer: Transferable[]): void;
  terminate(): void;
  /** Every message the worker sends. */
  onMessage(listener: (message: FromWorker) => void): void;
  /** The worker died or sent something unreadable (it must not be used any more). */
  onFailure(listener: (reason: string) => void): void;
}

/** A request that will never be answered: its worker crashed, lost its device or was terminated. */
export class WorkerGone extends Error {
  constructor(
    message: string,
    readonly suggestion: string,
  ) {
    super(message);
    this.name = 'WorkerGone';
  }
}

/** What `latest` resolves to when a newer request on the same channel was sent before the answer came. */
export const SUPERSEDED: unique symbol = Symbol('superseded');

type StartOutcome = { ok: true; value: WorkerStart } | { ok: false; message: string };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class Door {
  private transport: Transport | null = null;
  private nextId = 1;
  private started = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly channels = new Map<string, number>();
  private readonly eventListeners = new Map<EventName, Set<(payload: never) => void>>();
  private readonly startListeners = new Set<(outcome: StartOutcome) => void>();
  private readonly restartListeners = new Set<() => void>();
  private readonly goneListeners = new Set<(gone: WorkerGone) => void>();
  private readonly openListeners = new Set<() => void>();

  /** `spawn` starts a worker; `init` says how (read at every start: a forced backend may change). */
  constructor(
    private readonly spawn: () => Transport,
    private readonly init: () => RequestBody<'init'>,
  ) {}

  /** Whether a worker is running now. */
  get alive(): boolean {
    return this.transport !== null;
  }

  /** Send a request (starting a worker when none runs): its reply value, or a rejection with the worker's message. */
  request<K extends RequestKind>(kind: K, body: RequestBody<K>, transfer: Transferable[] = []): Promise<ReplyValue<K>> {
    const transport = this.open();
    return this.send(transport, kind, body, transfer);
  }

  /** Send a request only if a worker runs (a pause or a stop means nothing to a fresh one); null otherwise. */
  requestIfAlive<K extends RequestKind>(kind: K, body: RequestBody<K>): Promise<ReplyValue<K>> | null {
    return this.transport ? this.send(this.transport, kind, body, []) : null;
  }

  /** A request on `channel` where only the latest answer counts: an older one resolves to SUPERSEDED. */
  async latest<K extends RequestKind>(channel: string, kind: K, body: RequestBody<K>): Promise<ReplyValue<K> | typeof SUPERSEDED> {
    const ticket = (this.channels.get(channel) ?? 0) + 1;
    this.channels.set(channel, ticket);
    const current = () => this.channels.get(channel) === ticket;
    const reply = this.request(kind, body);
    try {
      const value = await reply;
      return current() ? value : SUPERSEDED;
    } catch (error) {
      if (!current()) return SUPERSEDED;
      throw error;
    }
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    let listeners = this.eventListeners.get(event);
    if (!listeners) this.eventListeners.set(event, (listeners = new Set()));
    const stored = listener as (payload: never) => void;
    listeners.add(stored);
    return () => listeners.delete(stored);
  }

  /** Every worker's answer to init (its backend), or why it could not start one. */
  onStart(listener: (outcome: StartOutcome) => void): () => void {
    this.startListeners.add(listener);
    return () => this.startListeners.delete(listener);
  }

  /** A worker is being started (the first, or one replacing a dead one): its init is on the way. */
  onOpen(listener: () => void): () => void {
    this.openListeners.add(listener);
    return () => this.openListeners.delete(listener);
  }

  /** A fresh worker replaced one that died: it knows nothing of what the old one was asked. */
  onRestart(listener: () => void): () => void {
    this.restartListeners.add(listener);
    return () => this.restartListeners.delete(listener);
  }

  /** The worker died (crash, lost device, hard stop); its pending requests have been rejected. */
  onGone(listener: (gone: WorkerGone) => void): () => void {
    this.goneListeners.add(listener);
    return () => this.goneListeners.delete(listener);
  }

  /** Terminate the worker at once; every pending request rejects with `message`. The next request starts a fresh one. */
  drop(message: string, suggestion = 'Press Start to try again: a fresh worker will be started.'): void {
    const transport = this.transport;
    if (!transport) return;
    this.transport = null;
    transport.terminate();
    const gone = new WorkerGone(message, suggestion);
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const request of pending) request.reject(gone);
    for (const listener of [...this.goneListeners]) listener(gone);
  }

  private open(): Transport {
    if (this.transport) return this.transport;
    const transport = this.spawn();
    this.transport = transport;
    transport.onMessage((message) => {
      if (this.transport === transport) this.receive(message);
    });
    transport.onFailure((reason) => {
      if (this.transport === transport) this.drop(reason);
    });
    for (const listener of [...this.openListeners]) listener();
    // init goes first: the worker answers every other request once its backend is chosen.
    this.send(transport, 'init', this.init(), []).then(
      (value) => this.startListeners.forEach((listener) => listener({ ok: true, value })),
      (error: Error) => {
        if (!(error instanceof WorkerGone)) this.startListeners.forEach((listener) => listener({ ok: false, message: error.message }));
      },
    );
    if (++this.started > 1) for (const listener of [...this.restartListeners]) listener();
    return transport;
  }

  private send<K extends RequestKind>(transport: Transport, kind: K, body: RequestBody<K>, transfer: Transferable[]): Promise<ReplyValue<K>> {
    const id = this.nextId++;
    return new Promise<ReplyValue<K>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      transport.postMessage({ id, kind, body }, transfer);
    });
  }

  private receive(message: FromWorker): void {
    if ('event' in message) {
      for (const listener of [...(this.eventListeners.get(message.event) ?? [])]) (listener as (payload: unknown) => void)(message.payload);
      return;
    }
    const request = this.pending.get(message.id);
    if (!request) return;
    this.pending.delete(message.id);
    if (message.ok) request.resolve(message.value);
    else request.reject(new Error(message.message));
  }
}

/** The real worker behind the door. */
export function browserWorker(): Transport {
  const worker = new Worker(new URL('./trainer.worker.ts', import.meta.url), { type: 'module', name: 'trainer' });
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer),
    terminate: () => worker.terminate(),
    onMessage: (listener) => worker.addEventListener('message', (event: MessageEvent<FromWorker>) => listener(event.data)),
    onFailure: (listener) => {
      worker.addEventListener('error', (event: ErrorEvent) => {
        event.preventDefault();
        listener(`The training worker crashed: ${event.message || 'unknown error (the worker script may have failed to load)'}`);
      });
      worker.addEventListener('messageerror', () => listener('The training worker sent a message the page could not read'));
    },
  };
}
