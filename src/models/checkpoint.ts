// Checkpoints: one .safetensors file whose tensor names are the seed's PyTorch state-dict names,
// with `__metadata__` { format: "ecg-beats/1", config: JSON of the knobs, classes: "N,S,V,F,Q",
// provenance: JSON (data split and seed, epochs, metrics, project version) }.
// A file with no metadata loads as the preset whose tensors it matches (a PyTorch-written seed).
import { Tensor, tidy } from "../engine/index.js";
import { CheckpointError } from "../nn/errors.js";
import {
  readSafetensors,
  type SafeTensor,
  type SafetensorsContents,
  writeSafetensors,
} from "../nn/safetensors.js";
import { CLASS_NAMES } from "../vocabulary.js";
import { type ModelConfig, normalizeConfig, PRESET_NAMES, PRESETS } from "./config.js";
import { SeedNet } from "./seed-net.js";

export const CHECKPOINT_FORMAT = "ecg-beats/1";

export interface CheckpointInfo {
  config: ModelConfig;
  classes: string[];
  /** Free-form training provenance (data, epochs, metrics, version), when the file has it. */
  provenance: Record<string, unknown> | undefined;
  /** Tensors not belonging to the model (e.g. a fixture's extra entries). */
  extras: Map<string, SafeTensor>;
}

/** A libtorch tensor from a safetensors entry (copied). */
export function tensorFromSafe(t: SafeTensor): Tensor {
  switch (t.dtype) {
    case "F32":
      return Tensor.fromArray(t.data, t.shape, "float32");
    case "F64":
      return Tensor.fromArray(t.data, t.shape, "float64");
    case "I64":
      return Tensor.fromArray(t.data, t.shape, "int64");
    case "I32":
      return Tensor.fromArray(t.data, t.shape, "int32");
    case "U8":
      return Tensor.fromArray(t.data, t.shape, "uint8");
    case "BOOL":
      return Tensor.fromArray(t.data, t.shape, "bool");
    case "F16":
      return Tensor.fromArray(t.data, t.shape, "float16");
    case "BF16":
      return Tensor.fromArray(t.data, t.shape, "bfloat16");
    default:
      throw new Error(`dtype ${t.dtype} is not supported by the engine`);
  }
}

/** A safetensors entry from a libtorch tensor (copied to the CPU). */
export function safeFromTensor(t: Tensor): SafeTensor {
  const shape = t.shape;
  switch (t.dtype) {
    case "float32":
      return { dtype: "F32", shape, data: t.toArray() as Float32Array };
    case "float64":
      return { dtype: "F64", shape, data: t.toArray() as Float64Array };
    case "int64":
      return { dtype: "I64", shape, data: t.toArray() as BigInt64Array };
    case "int32":
      return { dtype: "I32", shape, data: t.toArray() as Int32Array };
    case "uint8":
      return { dtype: "U8", shape, data: t.toArray() as Uint8Array };
    case "bool":
      return { dtype: "BOOL", shape, data: t.toArray() as Uint8Array };
    case "float16":
      return { dtype: "F16", shape, data: t.toArray() as Uint16Array };
    case "bfloat16":
      return { dtype: "BF16", shape, data: t.toArray() as Uint16Array };
  }
}

export function saveCheckpoint(
  file: string,
  model: SeedNet,
  opts: {
    classes?: readonly string[];
    provenance?: Record<string, unknown>;
    extras?: Map<string, SafeTensor>;
  } = {},
): void {
  const tensors = new Map<string, SafeTensor>();
  for (const [name, t] of model.stateDict()) tensors.set(name, safeFromTensor(t));
  for (const [name, t] of opts.extras ?? []) tensors.set(name, t);
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(model.config),
    classes: (opts.classes ?? CLASS_NAMES).join(","),
  };
  if (opts.provenance) metadata["provenance"] = JSON.stringify(opts.provenance);
  writeSafetensors(file, tensors, metadata);
}

/** The preset whose state-dict names and shapes a set of tensors matches exactly. */
function inferConfig(file: string, tensors: ReadonlyMap<string, SafeTensor>): ModelConfig {
  for (const name of PRESET_NAMES) {
    const config = { ...PRESETS[name] };
    const net = new SeedNet(config);
    try {
      const sd = net.stateDict();
      const modelKeys = [...sd.keys()];
      const matches = modelKeys.every((k) => tensors.get(k)?.shape.join(",") === sd.get(k)!.shape.join(","));
      if (matches) return config;
    } finally {
      net.dispose();
    }
  }
  throw new CheckpointError(
    file,
    "bad-header",
    `no metadata, and its tensors match no preset (${PRESET_NAMES.join(", ")})`,
  );
}

export function readCheckpointInfo(file: string, contents?: SafetensorsContents): CheckpointInfo {
  const { tensors, metadata } = contents ?? readSafetensors(file);
  let config: ModelConfig;
  if (metadata["config"] !== undefined) {
    try {
      config = normalizeConfig(JSON.parse(metadata["config"]));
    } catch (e) {
      throw new CheckpointError(file, "bad-header", `metadata 'config': ${(e as Error).message}`);
    }
  } else {
    config = inferConfig(file, tensors);
  }
  const classes = metadata["classes"]
    ? metadata["classes"].split(",")
    : [...CLASS_NAMES].slice(0, config.classes);
  if (classes.length !== config.classes) {
    throw new CheckpointError(
      file,
      "bad-header",
      `metadata 'classes' names ${classes.length} classes but the config has ${config.classes}`,
    );
  }
  let provenance: Record<string, unknown> | undefined;
  if (metadata["provenance"]) {
    try {
      provenance = JSON.parse(metadata["provenance"]) as Record<string, unknown>;
    } catch {
      throw new CheckpointError(file, "bad-header", "metadata 'provenance' is not JSON");
    }
  }
  const extras = new Map<string, SafeTensor>();
  for (const [k, v] of tensors) if (k.startsWith("__")) extras.set(k, v);
  return { config, classes, provenance, extras };
}

/** Builds the model a checkpoint describes and loads its weights (strict: every name must match). */
export function loadCheckpoint(file: string): { model: SeedNet; info: CheckpointInfo } {
  const contents = readSafetensors(file);
  const info = readCheckpointInfo(file, contents);
  const model = new SeedNet(info.config);
  tidy(() => {
    const tensors = new Map<string, Tensor>();
    for (const [k, v] of contents.tensors) if (!k.startsWith("__")) tensors.set(k, tensorFromSafe(v));
    model.loadStateDict(tensors, { source: file });
  });
  return { model, info };
}
