// Rows of a row-major table (beats × samples, beats × rhythm features, beats × templates) picked by
// index into a new table: the one stride gather every layer that selects beats uses.

/** Rows `rows` (in that order) of `values`, a row-major table of rows of `width` values; a new array. */
export function gatherRows(values: Float32Array, rows: ArrayLike<number>, width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out.set(values.subarray(r * width, (r + 1) * width), i * width);
  }
  return out;
}
