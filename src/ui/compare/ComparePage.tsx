export function ComparePage() {
  return <section className="panel" aria-label="Compare runs" data-testid="compare-page" />;
}
