// The scoring protocol of a beat-by-beat comparison, as the field reports results (ANSI/AAMI EC57,
// WFDB's bxb): a 150 ms match window, the comparison starting 5 minutes into the record (the
// detector's learning period), reference ventricular flutter/fibrillation episodes not compared.
// The default everywhere; the whole record (from sample 0) on request. Text and JSON outputs say
// which was used.

/** Match window (ms): a test beat this close to a reference beat may match it. */
export const MATCH_WINDOW_MS = 150;
/** EC57's learning period (s): the comparison starts this far into the record. */
export const LEARNING_PERIOD_SECONDS = 300;

export interface ScoringProtocol {
  matchWindowMs: number;
  /** Start of the comparison, seconds into the record. */
  startSeconds: number;
}

export const EC57_PROTOCOL: Readonly<ScoringProtocol> = {
  matchWindowMs: MATCH_WINDOW_MS,
  startSeconds: LEARNING_PERIOD_SECONDS,
};
export const WHOLE_RECORD_PROTOCOL: Readonly<ScoringProtocol> = {
  matchWindowMs: MATCH_WINDOW_MS,
  startSeconds: 0,
};

/** The first sample a protocol compares, at fs Hz. */
export function startSample(p: ScoringProtocol, fs: number): number {
  return Math.round(p.startSeconds * fs);
}

function nameOf(p: ScoringProtocol): string {
  if (p.matchWindowMs !== MATCH_WINDOW_MS) return "custom";
  if (p.startSeconds === LEARNING_PERIOD_SECONDS) return "bxb/EC57";
  return p.startSeconds === 0 ? "whole record" : "custom";
}

/** One line for text output: "bxb/EC57: match window 150 ms, from 300 s (EC57's learning period), …". */
export function describeProtocol(p: ScoringProtocol): string {
  const from =
    p.startSeconds === LEARNING_PERIOD_SECONDS
      ? `from ${p.startSeconds} s (EC57's learning period)`
      : p.startSeconds === 0
        ? "from sample 0"
        : `from ${p.startSeconds} s`;
  return `${nameOf(p)}: match window ${p.matchWindowMs} ms, ${from}, VF/flutter episodes not compared`;
}

/** The protocol as JSON output carries it. */
export function protocolJson(p: ScoringProtocol): {
  name: string;
  matchWindowMs: number;
  startSeconds: number;
  excluded: string;
} {
  return {
    name: nameOf(p),
    matchWindowMs: p.matchWindowMs,
    startSeconds: p.startSeconds,
    excluded:
      "reference ventricular flutter/fibrillation episodes ([ ... ]): their beats and the test beats inside them",
  };
}
