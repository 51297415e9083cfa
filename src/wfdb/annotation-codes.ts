// WFDB annotation codes and their mnemonics (ecgcodes.h; https://physionet.org/physiobank/annotations.shtml),
// which of them are beats, and the AAMI EC57 classes of the beats used by the heartbeat set (data.md).

/** Mnemonic of each code 0..41; codes 15 and 17 have none. */
const MNEMONICS: readonly (string | undefined)[] = [
  " ",
  "N",
  "L",
  "R",
  "a",
  "V",
  "F",
  "J",
  "A",
  "S",
  "E",
  "j",
  "/",
  "Q",
  "~",
  undefined,
  "|",
  undefined,
  "s",
  "T",
  "*",
  "D",
  '"',
  "=",
  "p",
  "B",
  "^",
  "t",
  "+",
  "u",
  "?",
  "!",
  "[",
  "]",
  "e",
  "n",
  "@",
  "x",
  "f",
  "(",
  ")",
  "r",
];

const CODE_OF = new Map<string, number>();
MNEMONICS.forEach((m, code) => {
  if (m !== undefined && code > 0) CODE_OF.set(m, code);
});

/** The mnemonic of an annotation code; "[code]" (as WFDB's annstr prints it) when it has none. */
export function symbolOfCode(code: number): string {
  return MNEMONICS[code] ?? `[${code}]`;
}

/** The code of a mnemonic (also accepts "[code]"); 0 when unknown. */
export function codeOfSymbol(symbol: string): number {
  const known = CODE_OF.get(symbol);
  if (known !== undefined) return known;
  const m = /^\[(\d+)\]$/.exec(symbol);
  return m ? Number(m[1]) : 0;
}

/** The WFDB beat annotation codes (isqrs() true). */
const BEATS = new Set([
  "N",
  "L",
  "R",
  "B",
  "A",
  "a",
  "J",
  "S",
  "V",
  "r",
  "F",
  "e",
  "j",
  "n",
  "E",
  "/",
  "f",
  "Q",
  "?",
]);

export function isBeat(symbol: string): boolean {
  return BEATS.has(symbol);
}

/** What each beat code means (ecgcodes.h's descriptions, as PhysioNet's annotation table words them). */
const BEAT_MEANING: Readonly<Record<string, string>> = {
  N: "normal beat",
  L: "left bundle branch block beat",
  R: "right bundle branch block beat",
  B: "bundle branch block beat (unspecified)",
  A: "atrial premature beat",
  a: "aberrated atrial premature beat",
  J: "nodal (junctional) premature beat",
  S: "supraventricular premature or ectopic beat",
  V: "premature ventricular contraction",
  r: "R-on-T premature ventricular contraction",
  F: "fusion of ventricular and normal beat",
  e: "atrial escape beat",
  j: "nodal (junctional) escape beat",
  n: "supraventricular escape beat",
  E: "ventricular escape beat",
  "/": "paced beat",
  f: "fusion of paced and normal beat",
  Q: "unclassifiable beat",
  "?": "beat not classified during learning",
};

/** The meaning of a beat code, e.g. "atrial premature beat"; undefined for a non-beat. */
export function beatMeaning(symbol: string): string | undefined {
  return Object.hasOwn(BEAT_MEANING, symbol) ? BEAT_MEANING[symbol] : undefined;
}
