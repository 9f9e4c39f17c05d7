// One entry per file in losses/: file name = registry id = export name. The methods' descriptions
// live in methods.ts (no tfjs); this file joins each to its loss.
import type { DistillMethod } from './types';
import { methodSpec } from './methods';
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
import { afd } from './losses/afd';
import { rkd } from './losses/rkd';
import { pkt } from './losses/pkt';
import { irg } from './losses/irg';
import { dml } from './losses/dml';
import { udml } from './losses/udml';

const ALL: readonly DistillMethod[] = [none, kd, dkd, dist, at, sp, nst, fitnet, mgd, vid, afd, rkd, pkt, irg, dml, udml];

const BY_ID = new Map(ALL.map((method) => [method.id, method]));

/** The method with its loss (the description is methodSpec(id)'s, from methods.ts). */
export function getMethod(id: string): DistillMethod {
  const method = BY_ID.get(id);
  if (!method) methodSpec(id); // throws the "Unknown method" error, naming the known ones
  return method!;
}

export { METHODS, hasMethod, methodSpec, paramProblem, resolveParams } from './methods';
