// Splits of the beat set (data.md): the stratified random "kaggle" split and the de Chazal DS1/DS2
// inter-patient split.
import { Random } from "./random.js";

/** The rows of each label (rows in ascending order), with the labels in ascending order. */
export function rowsByLabel(labels: ArrayLike<number>): Map<number, number[]> {
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byLabel.get(labels[i]!);
    if (list) list.push(i);
    else byLabel.set(labels[i]!, [i]);
  }
  return new Map([...byLabel].sort(([a], [b]) => a - b));
}

/**
 * Stratified random split: within each label, a shuffled ceil(n·testFraction) go to the test side
 * (ceil, as scikit-learn's train_test_split sizes its test side; on MIT-BIH it reproduces 4 of the 5
 * Kaggle test counts exactly). Both index lists come back in ascending order.
 */
export function stratifiedSplit(
  labels: ArrayLike<number>,
  testFraction: number,
  seed: number,
): { train: Int32Array; test: Int32Array } {
  if (!(testFraction >= 0 && testFraction <= 1))
    throw new RangeError(`testFraction must be in [0, 1], got ${testFraction}`);
  const byLabel = rowsByLabel(labels);
  const rng = new Random(seed);
  const isTest = new Uint8Array(labels.length);
  let nTest = 0;
  // Labels in ascending order so that the result does not depend on which label appears first.
  for (const label of byLabel.keys()) {
    const idx = Int32Array.from(byLabel.get(label)!);
    rng.shuffle(idx);
    const k = Math.min(idx.length, Math.ceil(idx.length * testFraction - 1e-9));
    for (let j = 0; j < k; j++) isTest[idx[j]!] = 1;
    nTest += k;
  }
  const train = new Int32Array(labels.length - nTest);
  const test = new Int32Array(nTest);
  for (let i = 0, a = 0, b = 0; i < labels.length; i++) {
    if (isTest[i]) test[b++] = i;
    else train[a++] = i;
  }
  return { train, test };
}

/**
 * A stratified seeded sample of exactly n rows (all rows when n ≥ their number): each label gets its
 * share of n (largest remainders round it), drawn by a seeded shuffle; rows come back in ascending order.
 */
export function stratifiedSample(labels: ArrayLike<number>, n: number, seed: number): Int32Array {
  if (n >= labels.length) return Int32Array.from({ length: labels.length }, (_, i) => i);
  const byLabel = rowsByLabel(labels);
  const keys = [...byLabel.keys()];
  const exact = keys.map((k) => (byLabel.get(k)!.length * n) / labels.length);
  const take = exact.map(Math.floor);
  const byRemainder = keys
    .map((_, j) => j)
    .sort((a, b) => exact[b]! - take[b]! - (exact[a]! - take[a]!) || a - b);
  for (let left = n - take.reduce((a, b) => a + b, 0), j = 0; left > 0; left--, j++) take[byRemainder[j]!]!++;
  const rng = new Random(seed);
  const chosen: number[] = [];
  keys.forEach((k, j) => {
    const idx = Int32Array.from(byLabel.get(k)!);
    rng.shuffle(idx);
    for (let i = 0; i < take[j]!; i++) chosen.push(idx[i]!);
  });
  return Int32Array.from(chosen.sort((a, b) => a - b));
}

/** de Chazal et al. 2004 (IEEE TBME 51(7)): DS1 trains, DS2 tests; the paced records are in neither. */
export const DS1 = [
  "101",
  "106",
  "108",
  "109",
  "112",
  "114",
  "115",
  "116",
  "118",
  "119",
  "122",
  "124",
  "201",
  "203",
  "205",
  "207",
  "208",
  "209",
  "215",
  "220",
  "223",
  "230",
] as const;
export const DS2 = [
  "100",
  "103",
  "105",
  "111",
  "113",
  "117",
  "121",
  "123",
  "200",
  "202",
  "210",
  "212",
  "213",
  "214",
  "219",
  "221",
  "222",
  "228",
  "231",
  "232",
  "233",
  "234",
] as const;
export const PACED = ["102", "104", "107", "217"] as const;

/** Which side of the inter-patient split a record is on; undefined for records in neither set. */
export function interpatientSide(record: string): "train" | "test" | undefined {
  if ((DS1 as readonly string[]).includes(record)) return "train";
  if ((DS2 as readonly string[]).includes(record)) return "test";
  return undefined;
}
