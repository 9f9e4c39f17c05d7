// A box that scrolls sideways on its own when its content is wider than the page (a table on a
// phone), so the page itself never does. While it scrolls it is a named region in the tab order,
// so a keyboard can scroll it too; otherwise it is a plain box.
import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';

export function ScrollBox({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  const [scrolls, setScrolls] = useState(false);
  useLayoutEffect(() => {
    const element = box.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const check = () => setScrolls(element.scrollWidth > element.clientWidth + 1);
    const observer = new ResizeObserver(check);
    observer.observe(element);
    for (const child of element.children) observer.observe(child);
    check();
    return () => observer.disconnect();
  }, []);
  return (
    <div
      ref={box}
      className={className ? `scroll-box ${className}` : 'scroll-box'}
      role={scrolls ? 'region' : undefined}
      aria-label={scrolls ? `${label} (scrolls sideways)` : undefined}
      tabIndex={scrolls ? 0 : undefined}
      data-scrolls={scrolls || undefined}
    >
      {children}
    </div>
  );
}
