// The knob table lives in src/train/knobs.ts (pure data, below the CLI, which builds its flags from
// it); the page's modules keep reading it from here.
export * from '../train/knobs';

/** data-testid of a method parameter's input (temperature keeps its historic id). */
export function paramTestId(name: string): string {
  return name === 'temperature' ? 'temperature-input' : `param-${name}-input`;
}
