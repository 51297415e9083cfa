// The median of a list of numbers (mean of the two middle values for an even count).

export function median(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError("median of no values");
  const s = Array.from(values).sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
