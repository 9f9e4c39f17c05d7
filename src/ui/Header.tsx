import { useLab } from '../state/store';
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

function BackendBadge() {
  const backend = useLab((s) => s.backend);
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
  return (
    <span className="backend">
      <span className="muted small">Backend</span>{' '}
      <span className={`badge badge-${backend.name}`} data-testid="backend-badge" title={tip} aria-describedby={backend.fallbackReason ? 'backend-fallback' : undefined}>
        {backend.name}
      </span>
      {backend.fallbackReason ? (
        <span id="backend-fallback" className="backend-fallback" data-testid="backend-fallback" title={backend.fallbackReason}>
          fallback: {backend.fallbackReason}
        </span>
      ) : null}
      {backend.why ? (
        <span className="backend-why muted small" data-testid="backend-why" title={backend.why}>
          {backend.why}
        </span>
      ) : null}
      <BackendSelect />
    </span>
  );
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
    <select className="backend-select small" data-testid="backend-select" aria-label="Backend" value={remembered ?? 'auto'} onChange={(event) => choose(event.target.value)}>
      <option value="auto">auto (fastest)</option>
      <option value="webgpu">webgpu</option>
      <option value="webgl">webgl</option>
      <option value="wasm">wasm</option>
      <option value="cpu">cpu</option>
    </select>
  );
}

function RunStatusPill() {
  const status = useLab((s) => s.run.status);
  return (
    <span className={`status status-${status}`} role="status" aria-label={`Run status: ${status}`}>
      <span className="status-dot" aria-hidden="true" />
      <span data-testid="run-status">{status}</span>
    </span>
  );
}
