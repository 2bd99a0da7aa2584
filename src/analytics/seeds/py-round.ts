/**
 * Python's `round(x, digits)`: ties go to the even neighbour (`round(0.125, 2) == 0.12`),
 * where `toFixed` rounds them up. The seeds' analysers round with it, and the figures
 * written in their file shapes must be the ones they would write.
 *
 * @example
 * pyRound(2 / 3, 3) // 0.667
 */
export function pyRound(x: number, digits: number): number {
  const scale = 10 ** digits;
  const scaled = x * scale;
  if (Number.isInteger(scaled * 2) && !Number.isInteger(scaled)) {
    const lower = Math.floor(scaled);
    return (lower % 2 === 0 ? lower : lower + 1) / scale;
  }
  return Number(x.toFixed(digits));
}
