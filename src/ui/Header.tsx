import { useLab } from '../state/store';

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
  const tip = backend.fallbackReason ? `Fell back to ${backend.name}: ${backend.fallbackReason}` : `Training runs on ${backend.name}`;
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
    </span>
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
