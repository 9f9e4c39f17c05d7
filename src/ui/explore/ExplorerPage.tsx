export function ExplorerPage() {
  return <section className="panel" aria-label="Soft-label explorer" data-testid="explorer-page" />;
}
