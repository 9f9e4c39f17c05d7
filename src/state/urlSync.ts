// The address bar follows the set-up: the configuration is written to the URL (debounced), with
// the session's own keys (a forced backend, the open page, classroom flags) kept as they are.
import type { ExperimentConfig } from '../train/config';
import type { BackendName } from '../worker/protocol';
import { encodeConfig } from './url';

/** URL keys that belong to the session (backend override, open page, classroom flags), kept when the config is rewritten. */
export const SESSION_URL_KEYS: readonly string[] = ['backend', 'view', 'hide'];

/** The key under which the browser remembers a backend the user forced (the header's selector, URL backend=). */
export const BACKEND_STORAGE_KEY = 'distillation-lab.backend';

let urlTimer: ReturnType<typeof setTimeout> | null = null;

export function writeUrl(config: ExperimentConfig): void {
  if (urlTimer) clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    const query = encodeConfig(config);
    const current = new URLSearchParams(window.location.search);
    // Settings of the session, not of the experiment, stay as they are.
    for (const key of SESSION_URL_KEYS) {
      const value = current.get(key);
      if (value) query.set(key, value);
    }
    window.history.replaceState(window.history.state, '', `${window.location.pathname}?${query}${window.location.hash}`);
  }, 150);
}

/** A backend forced by the URL (then remembered) or remembered from before; undefined: the lab chooses. */
export function forcedBackend(query: URLSearchParams): BackendName | undefined {
  const isName = (name: string | null): name is BackendName => name === 'webgpu' || name === 'webgl' || name === 'wasm' || name === 'cpu';
  const fromUrl = query.get('backend');
  try {
    if (isName(fromUrl)) localStorage.setItem(BACKEND_STORAGE_KEY, fromUrl);
    else if (fromUrl === 'auto') localStorage.removeItem(BACKEND_STORAGE_KEY);
    const remembered = localStorage.getItem(BACKEND_STORAGE_KEY);
    return isName(remembered) ? remembered : undefined;
  } catch {
    return isName(fromUrl) ? fromUrl : undefined; // storage blocked: the URL alone decides
  }
}
