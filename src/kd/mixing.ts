/**
 * DESIGN §4.2: the student minimises w_ce * CE + w_kd * L_method.
 * r in [0, 1): w_ce = 1 - r, w_kd = r (0 = hard labels only, 1 = soft only);
 * r >= 1 (feature methods' weights such as 1000): w_ce = 1, w_kd = r.
 */
export function mixWeights(kdRatio: number): { ce: number; kd: number } {
  if (kdRatio < 0) throw new Error(`kd_ratio must be >= 0 (got ${kdRatio})`);
  if (kdRatio >= 1) return { ce: kdRatio === 1 ? 0 : 1, kd: kdRatio };
  return { ce: 1 - kdRatio, kd: kdRatio };
}
