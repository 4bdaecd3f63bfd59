/**
 * Copies of one document for an expected count `weight`: floor(weight), plus one more with
 * probability frac(weight), decided by the document's own uniform draw `u`. Expected copies equal
 * the weight exactly, and no document gets more than ceil(weight).
 */
export function copiesFor(weight: number, u: number): number {
  const whole = Math.floor(weight);
  return whole + (u < weight - whole ? 1 : 0);
}
