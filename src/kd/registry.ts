// One entry per file in losses/: file name = registry id = export name.
import type { DistillMethod, MethodSpec, ParamSpec } from './types';
import { none } from './losses/none';
import { kd } from './losses/kd';
import { dkd } from './losses/dkd';
import { dist } from './losses/dist';
import { at } from './losses/at';
import { sp } from './losses/sp';
import { nst } from './losses/nst';
import { fitnet } from './losses/fitnet';
import { mgd } from './losses/mgd';
import { vid } from './losses/vid';
import { rkd } from './losses/rkd';
import { pkt } from './losses/pkt';
import { irg } from './losses/irg';
import { dml } from './losses/dml';

const ALL: readonly DistillMethod[] = [none, kd, dkd, dist, at, sp, nst, fitnet, mgd, vid, rkd, pkt, irg, dml];

export const METHODS: readonly MethodSpec[] = ALL;

const BY_ID = new Map(ALL.map((method) => [method.id, method]));

export function getMethod(id: string): DistillMethod {
  const method = BY_ID.get(id);
  if (!method) {
    throw new Error(`Unknown method "${id}". Known methods: ${ALL.map((m) => m.id).join(', ')}`);
  }
  return method;
}

export function hasMethod(id: string): boolean {
  return BY_ID.has(id);
}

/** The method's parameters with its defaults filled in and unknown names refused. */
export function resolveParams(
  method: MethodSpec,
  params: Readonly<Record<string, number>> = {},
): Record<string, number> {
  const known = new Set(method.params.map((p) => p.name));
  for (const name of Object.keys(params)) {
    if (!known.has(name)) {
      const list = method.params.map((p) => p.name).join(', ') || 'none';
      throw new Error(`Method "${method.id}" has no parameter "${name}" (its parameters: ${list})`);
    }
  }
  const resolved: Record<string, number> = {};
  for (const spec of method.params) resolved[spec.name] = params[spec.name] ?? spec.default;
  return resolved;
}

/** The reason a value is out of a parameter's range, or null when it is fine. */
export function paramProblem(
  spec: Pick<ParamSpec, 'label' | 'min' | 'max' | 'minExclusive'>,
  value: number,
): string | null {
  if (!Number.isFinite(value)) return `${spec.label} must be a finite number`;
  if (spec.minExclusive && value <= spec.min) return `${spec.label} must be greater than ${spec.min}`;
  if (value < spec.min) return `${spec.label} must be at least ${spec.min}`;
  if (value > spec.max) return `${spec.label} must be at most ${spec.max}`;
  return null;
}
