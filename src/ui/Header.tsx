import { useEffect, useRef } from 'react';
import { useLab } from '../state/store';
import { useCompare } from '../state/compare';
import { BACKEND_STORAGE_KEY } from '../state/urlSync';

export function Header() {
  return (
    <header className="app-header">
      <div className="brand">
        <h1>Distillation Lab</h1>
        <p className="muted">Teach a small network from a big one, in your browser.</p>
      </div>
      <div className="header-status">
        <BackendBadge />
        <RunStatusPill />
      </div>
    </header>
  );
}

/**
 * The backend in one line (its badge, and a fallback marked as such); what chose it, the full
 * fallback reason and the backend selector open below on demand, so a narrow header stays one line.
 */
function BackendBadge() {
  const backend = useLab((s) => s.backend);
  const details = useRef<HTMLDetailsElement>(null);
  // Open, the details close again on Escape or a click elsewhere, as a menu does.
  useEffect(() => {
    const close = (event: Event) => {
      const element = details.current;
      if (!element?.open) return;
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !element.contains(event.target as Node)) {
        element.open = false;
        if (event instanceof KeyboardEvent) element.querySelector('summary')?.focus();
      }
    };
    document.addEventListener('keydown', close);
    document.addEventListener('pointerdown', close);
    return () => {
      document.removeEventListener('keydown', close);
      document.removeEventListener('pointerdown', close);
    };
  }, []);
  if (!backend) {
    return (
      <span className="badge badge-pending" aria-live="polite">
        starting backend…
      </span>
    );
  }
  const tip = backend.fallbackReason
    ? `Fell back to ${backend.name}: ${backend.fallbackReason}`
    : backend.why
      ? `Training runs on ${backend.name}: ${backend.why}`
      : `Training runs on ${backend.name}`;
  const threads = backendThreadsText(backend.name, backend.threads);
  return (
    <details className="backend" ref={details}>
      <summary title={threads ? `${tip} (${threads})` : tip}>
        <span className="muted small backend-label">Backend</span>{' '}
        <span className={`badge badge-${backend.name}`} data-testid="backend-badge" aria-describedby={backend.fallbackReason ? 'backend-fallback' : undefined}>
          {backend.name}
        </span>
        {backend.fallbackReason ? <span className="backend-fallback-mark">fallback</span> : null}
        {backend.why ? <span className="backend-summary-note muted small">{backend.why}</span> : null}
        <span className="backend-chevron muted" aria-hidden="true">
          ▾
        </span>
      </summary>
      <div className="backend-details">
        {backend.fallbackReason ? (
          <p id="backend-fallback" className="backend-fallback" data-testid="backend-fallback">
            fallback: {backend.fallbackReason}
          </p>
        ) : null}
        {backend.why ? (
          <p className="backend-why small" data-testid="backend-why">
            {backend.why}
          </p>
        ) : null}
        {threads ? (
          <p className="backend-threads small muted" data-testid="backend-threads">
            {threads}
          </p>
        ) : null}
        <BackendSelect />
      </div>
    </details>
  );
}

/**
 * "wasm · 4 threads" (wasm's XNNPACK pool; one thread where the page is not cross-origin isolated,
 * which shared memory needs), null for the other backends.
 */
function backendThreadsText(name: string, threads = 1): string | null {
  if (name !== 'wasm') return null;
  if (threads > 1) return `wasm · ${threads} threads`;
  return typeof crossOriginIsolated === 'boolean' && !crossOriginIsolated ? 'wasm · 1 thread (the page is not cross-origin isolated)' : 'wasm · 1 thread';
}

/** Force a backend (remembered by the browser) or let the lab choose; the page reloads to apply it. */
function BackendSelect() {
  let remembered: string | null = null;
  try {
    remembered = localStorage.getItem(BACKEND_STORAGE_KEY);
  } catch {
    // storage blocked: the selector still works for this page through the URL
  }
  const choose = (value: string) => {
    const url = new URL(window.location.href);
    url.searchParams.set('backend', value);
    window.location.assign(url.toString());
  };
  return (
    <label className="backend-choice small">
      Train on{' '}
      <select className="backend-select small" data-testid="backend-select" value={remembered ?? 'auto'} onChange={(event) => choose(event.target.value)}>
        <option value="auto">auto (fastest)</option>
        <option value="webgpu">webgpu</option>
        <option value="webgl">webgl</option>
        <option value="wasm">wasm</option>
        <option value="cpu">cpu</option>
      </select>
    </label>
  );
}

/**
 * What trains now: the Lab's run, or a comparison on the Compare page (the same worker), which
 * says which run of how many it is ("race: run 4 of 10") instead of leaving the header idle.
 */
function RunStatusPill() {
  const labStatus = useLab((s) => s.run.status);
  const queue = useCompare((s) => s.queue);
  const race = useCompare((s) => s.race !== null);
  const comparing = queue.status !== 'idle' && queue.current >= 0;
  const status = comparing && labStatus === 'idle' ? 'training' : labStatus;
  const what = comparing ? `${race ? 'race' : 'comparison'}: run ${queue.current + 1} of ${queue.total}` : null;
  return (
    <span className={`status status-${status}`} role="status" aria-label={`Run status: ${status}${what ? `, ${what}` : ''}`}>
      <span className="status-dot" aria-hidden="true" />
      <span data-testid="run-status">{status}</span>
      {what ? (
        <span className="status-what" data-testid="queue-status">
          {what}
        </span>
      ) : null}
    </span>
  );
}
