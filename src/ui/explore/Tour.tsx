// A short guided tour: one non-modal dialog, a step at a time, pointing at a part of the page.
// Focus moves to the dialog on every step; Escape or Close ends it (the caller restores focus).
import { useEffect, useId, useRef } from 'react';

export interface TourStep {
  title: string;
  text: string;
  /** data-tour name of the element the step is about. */
  target: string;
  /** Runs when the step opens (e.g. sets the temperature the text talks about). */
  enter?: () => void;
}

interface TourProps {
  steps: readonly TourStep[];
  step: number;
  onStep(step: number): void;
  onClose(): void;
}

export function Tour({ steps, step, onStep, onClose }: TourProps) {
  const dialog = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const textId = useId();
  const current = steps[step];
  const last = step === steps.length - 1;

  useEffect(() => {
    current.enter?.();
    dialog.current?.focus();
    document.querySelector(`[data-tour="${current.target}"]`)?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [current]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);

  return (
    <div ref={dialog} className="tour" role="dialog" aria-modal="false" aria-labelledby={titleId} aria-describedby={textId} tabIndex={-1} data-testid="tour">
      <p className="tour-count small muted">
        Step {step + 1} of {steps.length}
      </p>
      <h2 id={titleId}>{current.title}</h2>
      <p id={textId} className="tour-text" data-testid="tour-text">
        {current.text}
      </p>
      <div className="button-row">
        <button type="button" onClick={() => onStep(step - 1)} disabled={step === 0} data-testid="tour-back">
          Back
        </button>
        <button type="button" className="primary" onClick={() => (last ? onClose() : onStep(step + 1))} data-testid="tour-next">
          {last ? 'Finish' : 'Next'}
        </button>
        <button type="button" className="tour-close" onClick={onClose} aria-label="Close the tour" data-testid="tour-close">
          Close
        </button>
      </div>
    </div>
  );
}
