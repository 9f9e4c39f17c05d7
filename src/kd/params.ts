import type { ParamSpec } from './types';

/** Shared knob definitions, so every method describes temperature the same way. */
export function temperatureParam(defaultValue: number): ParamSpec {
  return {
    name: 'temperature',
    label: 'Temperature T',
    default: defaultValue,
    min: 0,
    max: 100,
    step: 0.1,
    minExclusive: true,
    help: 'Softens both distributions: higher T reveals how the teacher ranks the wrong classes.',
  };
}
