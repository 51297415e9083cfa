// The training data on the training device: beats (as the model takes them), rhythm features,
// labels and patients as tensors, indexed per batch; or, for augmented batches, gathered on the host,
// augmented and uploaded batch by batch.
import { subtractTemplates } from "../dataset/beat-template.js";
import { type BeatSet, selectBeats } from "../dataset/beats.js";
import { gatherRows } from "../dataset/gather-rows.js";
import { type Device, keep, Tensor, tidy } from "../engine/index.js";
import { BEAT_LENGTH } from "../vocabulary.js";
import { augmentBatch, type batchRandom, isAugmenting } from "./augment.js";
import type { TrainOptions } from "./options.js";

/**
 * Beats (as the model takes them), rhythm features and labels as tensors on the training device,
 * indexed per batch (no per-batch copies in JS); and on the host, as cut, for batches that are
 * augmented (a copy per batch, the template subtracted after augmenting).
 */
export interface DeviceSet {
  x: Tensor; // (n, 1, BEAT_LENGTH)
  r: Tensor | undefined; // (n, features)
  y: Tensor; // (n) int64
  /** Each row's training patient (int64), for subject-adversarial training. */
  patients: Tensor | undefined;
  host: BeatSet;
  /** Each row's record template, for a model on relative beats. */
  hostT: Float32Array | undefined;
  labels: Uint8Array;
  count: number;
}

/** The rows `rows` of `set`, with their templates' rows (`templates`: one per row of `set`). */
export function toDeviceSet(
  set: BeatSet,
  rows: Int32Array,
  device: Device,
  features: number,
  templates: Float32Array | undefined,
  patients?: Int32Array,
): DeviceSet {
  const host = selectBeats(set, rows);
  const hostT = templates && gatherRows(templates, rows, BEAT_LENGTH);
  return tidy(() => {
    const { xt, rt, yt } = uploadBatch(host.x, features > 0 ? host.rhythm : undefined, hostT, host.y, device);
    const pt = patients && (device === "cpu" ? Tensor.int64(patients) : Tensor.int64(patients).to(device));
    return {
      x: keep(xt),
      r: rt && keep(rt),
      y: keep(yt),
      patients: pt && keep(pt),
      host,
      hostT,
      labels: host.y,
      count: rows.length,
    };
  });
}

/** Beats (minus their templates, if given), rhythm features and labels as tensors on `device`. */
function uploadBatch(
  x: Float32Array,
  rhythm: Float32Array | undefined,
  templates: Float32Array | undefined,
  labels: Uint8Array,
  device: Device,
): { xt: Tensor; rt: Tensor | undefined; yt: Tensor } {
  const n = labels.length;
  let xt = Tensor.fromArray(templates ? subtractTemplates(x, templates) : x, [n, 1, BEAT_LENGTH]);
  let rt = rhythm && Tensor.fromArray(rhythm, [n, rhythm.length / n]);
  let yt = Tensor.int64(labels);
  if (device !== "cpu") {
    xt = xt.to(device);
    rt = rt?.to(device);
    yt = yt.to(device);
  }
  return { xt, rt, yt };
}

/**
 * One batch's inputs: indexed on the device; or, augmenting, gathered on the host, augmented with the
 * draws of `random`, and uploaded.
 */
export function batchInputs(
  set: DeviceSet,
  rows: Int32Array,
  opts: TrainOptions,
  random: () => ReturnType<typeof batchRandom>,
): { x: Tensor; r: Tensor | undefined; y: Tensor; p: Tensor | undefined } {
  const augmenting = isAugmenting(opts.augment);
  // The rows' index on the device: for indexing there, unless the batch is built on the host without patients.
  let idx: Tensor | undefined;
  if (!augmenting || set.patients) {
    idx = Tensor.int64(rows);
    if (opts.device !== "cpu") idx = idx.to(opts.device);
  }
  const p = idx && set.patients?.indexSelect(0, idx);
  if (!augmenting && idx) {
    return { x: set.x.indexSelect(0, idx), r: set.r?.indexSelect(0, idx), y: set.y.indexSelect(0, idx), p };
  }
  const batch = selectBeats(set.host, rows);
  const rhythm = set.r ? batch.rhythm : undefined;
  augmentBatch(batch.x, batch.count, rhythm, random(), opts.augment, batch.y);
  const t = set.hostT && gatherRows(set.hostT, rows, BEAT_LENGTH);
  const { xt, rt, yt } = uploadBatch(batch.x, rhythm, t, batch.y, opts.device);
  return { x: xt, r: rt, y: yt, p };
}

/** Frees the set's device tensors. */
export function disposeDeviceSet(s: DeviceSet): void {
  s.x.dispose();
  s.r?.dispose();
  s.y.dispose();
  s.patients?.dispose();
}
