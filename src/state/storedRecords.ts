// Small JSON records the page keeps in this browser's localStorage (measured speeds, comparison
// times, backend races): read as {} when missing, unreadable or blocked; a full or blocked storage
// on write is ignored, since each is a convenience the page can do without.

export type RecordStorage = Pick<Storage, 'getItem' | 'setItem'>;

/** This browser's storage, or undefined where it is blocked (reading it can throw). */
export function browserStorage(): RecordStorage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

/** A stored JSON object by key ({} when missing, unreadable or not an object). */
export function readRecord<T>(storage: Pick<Storage, 'getItem'> | undefined, key: string): Record<string, T> {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(key) ?? '{}');
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, T>) : {};
  } catch {
    return {};
  }
}

/** Set one entry of a stored JSON object. */
export function writeRecord<T>(storage: RecordStorage | undefined, key: string, name: string, value: T): void {
  if (!storage) return;
  try {
    storage.setItem(key, JSON.stringify({ ...readRecord<T>(storage, key), [name]: value }));
  } catch {
    // Without storage the page measures or races again next time.
  }
}
