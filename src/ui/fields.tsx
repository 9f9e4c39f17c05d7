// Labelled native controls: every input has a label, its help text and, when the value is
// refused, the reason right under it (linked with aria-describedby).
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { isControlHidden, isPanelHidden } from './hiddenControls';

interface FieldProps {
  id: string;
  label: ReactNode;
  help?: ReactNode;
  problem?: string | null;
  children: ReactNode;
  /** Extra content after the label (a badge, a link). */
  aside?: ReactNode;
}

export function Field({ id, label, help, problem, children, aside }: FieldProps) {
  return (
    <div className={problem ? 'field field-invalid' : 'field'}>
      <div className="field-label-row">
        <label htmlFor={id}>{label}</label>
        {aside}
      </div>
      {children}
      {problem ? (
        <p className="field-problem" id={`${id}-problem`} role="alert">
          {problem}
        </p>
      ) : null}
      {help ? (
        <p className="field-help" id={`${id}-help`}>
          {help}
        </p>
      ) : null}
    </div>
  );
}

export function describedBy(id: string, help: unknown, problem: unknown): string | undefined {
  const ids = [problem ? `${id}-problem` : '', help ? `${id}-help` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

const sameNumber = (a: number | undefined, b: number | undefined) => a === b || (Number.isNaN(a) && Number.isNaN(b));

interface NumberFieldProps {
  label: ReactNode;
  help?: ReactNode;
  problem?: string | null;
  testId: string;
  value: number | undefined;
  /** `from`: typed in the number box (it passes through prefixes: "0." on the way to "0.5") or set by the slider. */
  onValue(value: number | undefined, from: 'typed' | 'slider'): void;
  /** Blank gives undefined instead of NaN. */
  optional?: boolean;
  min?: number;
  max?: number;
  step?: number;
  placeholder?: string;
  disabled?: boolean;
  aside?: ReactNode;
  /**
   * A range slider beside the number, over [min, max] (both needed), or over its own narrower
   * range (the useful temperatures) while the number box still takes the whole range.
   */
  slider?: { testId: string; label: string; min?: number; max?: number };
}

/** A number input that keeps what the user types ("0.", "") while the store holds numbers. */
export function NumberField(props: NumberFieldProps) {
  const { label, help, problem, testId, value, onValue, optional, min, max, step, placeholder, disabled, aside, slider } = props;
  const id = useId();
  const [text, setText] = useState(value === undefined || Number.isNaN(value) ? '' : String(value));
  const sent = useRef(value);
  useEffect(() => {
    if (!sameNumber(value, sent.current)) {
      sent.current = value;
      setText(value === undefined || Number.isNaN(value) ? '' : String(value));
    }
  }, [value]);
  // A classroom link can hide a control; its value stays in the configuration.
  if (isControlHidden(testId)) return null;
  const numberInput = (
    <input
      id={id}
      data-testid={testId}
      type="number"
      inputMode="decimal"
      value={text}
      min={min}
      max={max}
      step={step ?? 'any'}
      placeholder={placeholder}
      disabled={disabled}
      aria-invalid={problem ? true : undefined}
      aria-describedby={describedBy(id, help, problem)}
      onChange={(event) => {
        const next = event.target.value;
        setText(next);
        const parsed = next.trim() === '' ? (optional ? undefined : Number.NaN) : Number(next);
        sent.current = parsed;
        onValue(parsed, 'typed');
      }}
    />
  );
  const sliderMin = slider?.min ?? min ?? 0;
  const sliderMax = slider?.max ?? max ?? 1;
  const sliderValue = value !== undefined && Number.isFinite(value) ? Math.min(Math.max(value, sliderMin), sliderMax) : sliderMin;
  return (
    <Field id={id} label={label} help={help} problem={problem} aside={aside}>
      {slider ? (
        <div className="slider-row">
          <input
            type="range"
            data-testid={slider.testId}
            aria-label={slider.label}
            min={sliderMin}
            max={sliderMax}
            step={step ?? 'any'}
            value={sliderValue}
            disabled={disabled}
            onChange={(event) => {
              const next = Number(event.target.value);
              setText(event.target.value);
              sent.current = next;
              onValue(next, 'slider');
            }}
          />
          {numberInput}
        </div>
      ) : (
        numberInput
      )}
    </Field>
  );
}

interface SelectFieldProps {
  label: ReactNode;
  help?: ReactNode;
  problem?: string | null;
  testId: string;
  value: string;
  options: readonly { value: string; label: string; disabled?: boolean }[];
  onValue(value: string): void;
  disabled?: boolean;
  aside?: ReactNode;
}

export function SelectField({ label, help, problem, testId, value, options, onValue, disabled, aside }: SelectFieldProps) {
  const id = useId();
  if (isControlHidden(testId)) return null;
  return (
    <Field id={id} label={label} help={help} problem={problem} aside={aside}>
      <select
        id={id}
        data-testid={testId}
        value={value}
        disabled={disabled}
        aria-invalid={problem ? true : undefined}
        aria-describedby={describedBy(id, help, problem)}
        onChange={(event) => onValue(event.target.value)}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value} disabled={option.disabled}>
            {option.label}
          </option>
        ))}
      </select>
    </Field>
  );
}

export function Panel({ title, children, className }: { title: string; children: ReactNode; className?: string }) {
  const id = useId();
  if (isPanelHidden(title)) return null;
  return (
    <section className={className ? `panel ${className}` : 'panel'} aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return n.toLocaleString('en');
}

export function formatPercent(x: number | undefined, digits = 2): string {
  return x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(digits)}%`;
}

/** "a" or "an" before a class name as it is spoken: an airplane, an 8, a dog, a 7. */
export function article(name: string): 'a' | 'an' {
  return /^([aeiou]|8|18|11)/i.test(name) && !/^(one|uni|use|eu)/i.test(name) ? 'an' : 'a';
}
