// Which MIT-BIH patients a model has seen, read from the provenance its checkpoint carries (the data
// section of a run's config, src/run-dir/schema.ts; each member's, for an ensemble), and the one line
// a command that classifies records says about it:
// - trained on the kaggle split (its training side has beats of every MIT-BIH record): always a
//   warning — its scores on an MIT-BIH record are optimistic, and its test figures say little about
//   a new patient;
// - trained on whole records (the inter-patient split: DS1, or the records its config names): a
//   warning when a record it trained or was chosen on is scored against its reference;
// - no provenance, or data from elsewhere: nothing can be known; a softer note, only when records
//   are scored against a reference (the figures that could be inflated), none otherwise.
import { z } from "zod";
import { DS1 } from "../dataset/split.js";
import { displayPath } from "../display-path.js";
import type { CheckpointInfo } from "../models/checkpoint.js";
import { DataConfigSchema } from "../run-dir/schema.js";

export type ModelExposure =
  /** Beats of every MIT-BIH record were in training. */
  | { kind: "every-record" }
  /** Whole records: these were trained on, or chose the checkpoint (validation). */
  | { kind: "records"; records: ReadonlySet<string> }
  | { kind: "unknown"; why: string };

const DataOfRun = z.object({
  config: z.object({
    data: DataConfigSchema.pick({ split: true, trainRecords: true, valRecords: true }).partial(),
  }),
});
const OfEnsemble = z.object({ ensemble: z.array(z.unknown()).min(1) });

function exposureOfRun(provenance: unknown): ModelExposure {
  const parsed = DataOfRun.safeParse(provenance);
  if (!parsed.success) return { kind: "unknown", why: "its provenance names no training data" };
  const { split, trainRecords, valRecords } = parsed.data.config.data;
  if (split === "kaggle") return { kind: "every-record" };
  if (split === "interpatient") {
    const named = [...(trainRecords ?? []), ...(valRecords ?? [])];
    return { kind: "records", records: new Set(named.length > 0 ? named : DS1) };
  }
  return { kind: "unknown", why: `it was trained on ${split ?? "data"} not split by MIT-BIH record` };
}

/** What the checkpoint's provenance says of the patients it has seen (an ensemble: all its members'). */
export function modelExposure(info: Pick<CheckpointInfo, "provenance">): ModelExposure {
  const p = info.provenance;
  if (p === undefined) return { kind: "unknown", why: "it carries no training provenance" };
  const ensemble = OfEnsemble.safeParse(p);
  const members = ensemble.success ? ensemble.data.ensemble.map(exposureOfRun) : [exposureOfRun(p)];
  if (members.some((m) => m.kind === "every-record")) return { kind: "every-record" };
  const unknown = members.find((m) => m.kind === "unknown");
  if (unknown !== undefined) return unknown;
  const records = new Set<string>();
  for (const m of members) if (m.kind === "records") for (const r of m.records) records.add(r);
  return { kind: "records", records };
}

/**
 * The line to print about a model used on records (undefined: nothing to say). `scored`: the records
 * whose beats were compared with reference annotations.
 */
export function exposureWarning(
  modelFile: string,
  exposure: ModelExposure,
  scored: readonly string[],
): string | undefined {
  const model = displayPath(modelFile);
  if (exposure.kind === "every-record")
    return (
      `warning: ${model} was trained on the kaggle split, which has beats of every MIT-BIH patient: ` +
      "its scores on MIT-BIH records are optimistic and say little about a new patient " +
      "(the default model, trained on DS1 records only, is the one for a patient never seen)"
    );
  if (scored.length === 0) return undefined;
  if (exposure.kind === "unknown")
    return `note: ${model}: ${exposure.why}, so whether it has seen the patients scored here is unknown`;
  const seen = scored.filter((r) => exposure.records.has(r));
  if (seen.length === 0) return undefined;
  const list =
    seen.length > 6 ? `${seen.slice(0, 6).join(", ")} and ${seen.length - 6} more` : seen.join(", ");
  return (
    `warning: ${model} was trained or chosen on record${seen.length > 1 ? "s" : ""} ${list}: ` +
    `${seen.length > 1 ? "their" : "its"} scores here are optimistic (a patient it has seen)`
  );
}
