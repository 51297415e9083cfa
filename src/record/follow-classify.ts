// `ecg classify --follow` as a service: the beats of a recording that is still going on, labelled as
// they are decided (stream-classify.ts: the batch pipeline's own detector, cutter and causal rhythm
// features, fed chunk by chunk). The samples come from a WFDB record whose signal file grows (format
// 212 or 16, header written first) or from text on a stream (stdin). At the end, as for a whole
// record: the beats in time order, written where asked, and compared with the reference annotations
// when the record has them.
import { performance } from "node:perf_hooks";
import { chooseLead, type LeadReason } from "../dataset/lead-rule.js";
import { unusableRate } from "../dataset/usable-lead.js";
import { displayPath } from "../display-path.js";
import { UserError } from "../errors.js";
import type { ScoringProtocol } from "../eval/bxb-protocol.js";
import type { ClassifierOptions } from "../models/classifier.js";
import { modelFileOrDefault } from "../models/model-file.js";
import { type TextSampleOptions, textSamples } from "../signal/text-samples.js";
import { N_CLASSES } from "../vocabulary.js";
import { type FollowOptions, followSignal } from "../wfdb/follow.js";
import { readHeader } from "../wfdb/header.js";
import type { ClassifiedBeats } from "./classify.js";
import {
  compareIfReference,
  loadRecordClassifier,
  type RecordResult,
  recordSummaryOf,
  writeClassifiedBeats,
} from "./classify-records.js";
import { exposureWarning, modelExposure } from "./model-exposure.js";
import { classifyStream, type StreamedBeat } from "./stream-classify.js";

export interface FollowSource {
  /** The record's name, or the stream's ("stdin"). */
  name: string;
  fs: number;
  lead: string;
  /** The lead's signal in the record, and how many the record has (a record's, not a stream's). */
  signal?: { signal: number; signals: number };
  /** Why that lead (dataset/lead-rule.ts); absent for stdin's samples. */
  leadReason?: LeadReason;
  chunks: AsyncIterable<Float32Array>;
  /** The record, when the samples come from one (for its reference annotations). */
  recordPath?: string;
}

/** A WFDB record whose signal file is being written: its header is read now (a bad one fails fast). */
export function growingRecord(
  recordPath: string,
  lead: string | undefined,
  opts: FollowOptions,
): FollowSource {
  const header = readHeader(recordPath);
  // The lead rule on the header's signal names: the samples are not there yet.
  const { index: signalIndex, reason } = chooseLead(
    header.signals.map((s) => ({ name: s.description, named: s.described, units: s.units })),
    lead,
    { record: header.name, file: header.file },
  );
  const rate = unusableRate(header.samplingFrequency);
  if (rate !== undefined) throw new UserError(`record ${header.name}: ${rate}`, header.file);
  return {
    name: header.name,
    fs: header.samplingFrequency,
    lead: header.signals[signalIndex]!.description,
    signal: { signal: signalIndex, signals: header.nSignals },
    leadReason: reason,
    chunks: followSignal(recordPath, header, signalIndex, opts),
    recordPath,
  };
}

/**
 * Samples as text lines on a stream (textSamples: one value a line, or a table's `column`), at fs Hz
 * (checked by the caller with unusableRate, as the option it is).
 */
export function textStream(
  stream: AsyncIterable<string | Uint8Array>,
  fs: number,
  name = "stdin",
  opts: TextSampleOptions = {},
): FollowSource {
  return {
    name,
    fs,
    lead: opts.column !== undefined ? `column ${opts.column}` : "as given",
    chunks: textSamples(stream, name, opts),
  };
}

export interface FollowClassifyOptions {
  /** The model; DEFAULT_MODEL (models/model-file.ts) when undefined. */
  modelFile?: string;
  classifier?: ClassifierOptions;
  output?: string;
  reference: string;
  protocol: ScoringProtocol;
  /** Each beat as soon as it is decided (almost always in time order; see stream-classify.ts). */
  onBeat: (beat: StreamedBeat) => void;
  /** Ends the recording early (Ctrl-C): the beats decided by then, and those flush() gives, are kept. */
  abort?: AbortSignal;
}

export async function classifyFollow(
  source: FollowSource,
  opts: FollowClassifyOptions,
): Promise<{ record: RecordResult; modelLoadSeconds: number; modelWarning?: string }> {
  const tLoad = performance.now();
  const modelFile = modelFileOrDefault(opts.modelFile);
  const classifier = await loadRecordClassifier(modelFile, opts.classifier);
  const modelLoadSeconds = (performance.now() - tLoad) / 1000;
  const exposure = modelExposure(classifier.info);
  const t0 = performance.now();
  const beats: StreamedBeat[] = [];
  let received = 0;
  const counted = async function* (chunks: AsyncIterable<Float32Array>) {
    for await (const c of chunks) {
      received += c.length;
      yield c;
    }
  };
  try {
    for await (const beat of classifyStream(
      counted(untilAborted(source.chunks, opts.abort)),
      source.fs,
      classifier,
    )) {
      beats.push(beat);
      opts.onBeat(beat);
    }
  } finally {
    classifier.dispose();
  }
  const result = inTimeOrder(beats);
  if (opts.output !== undefined) writeClassifiedBeats(opts.output, result, source.fs);
  // Compared up to where the recording got (Ctrl-C, or a recorder that stopped early).
  const comparison =
    source.recordPath !== undefined
      ? compareIfReference(source.recordPath, result, source.fs, { ...opts, end: received })
      : undefined;
  const modelWarning = exposureWarning(modelFile, exposure, comparison ? [source.name] : []);
  return {
    record: {
      record: source.name,
      lead: source.lead,
      ...(source.leadReason !== undefined ? { leadReason: source.leadReason } : {}),
      fs: source.fs,
      result,
      seconds: (performance.now() - t0) / 1000,
      ...(opts.output !== undefined ? { output: opts.output } : {}),
      ...(comparison ? { comparison } : {}),
      summary: recordSummaryOf(result, source.fs, received, {
        lead: { name: source.lead, ...(source.signal !== undefined ? source.signal : {}) },
        labels: { by: "model", model: displayPath(modelFile) },
        ...(comparison ? { protocol: opts.protocol } : {}),
      }),
    },
    modelLoadSeconds,
    ...(modelWarning !== undefined ? { modelWarning } : {}),
  };
}

/** The chunks until `abort` fires (the stream then ends normally, so the pipeline flushes). */
async function* untilAborted<T>(chunks: AsyncIterable<T>, abort: AbortSignal | undefined): AsyncGenerator<T> {
  if (abort === undefined) {
    yield* chunks;
    return;
  }
  const it = chunks[Symbol.asyncIterator]();
  const aborted = new Promise<"aborted">((resolve) => {
    if (abort.aborted) resolve("aborted");
    else abort.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
  try {
    for (;;) {
      const next = await Promise.race([it.next(), aborted]);
      if (next === "aborted" || next.done) return;
      yield next.value;
    }
  } finally {
    // Stops the source (closes the file, releases stdin); not awaited: it may be mid-read.
    void it.return?.();
  }
}

function inTimeOrder(beats: StreamedBeat[]): ClassifiedBeats {
  const sorted = [...beats].sort((a, b) => a.sample - b.sample);
  const proba = new Float32Array(sorted.length * N_CLASSES);
  sorted.forEach((b, i) => {
    proba.set(b.proba, i * N_CLASSES);
  });
  return {
    sample: Int32Array.from(sorted, (b) => b.sample),
    label: Uint8Array.from(sorted, (b) => b.label),
    proba,
    count: sorted.length,
  };
}
