// Checkpoints: one .safetensors file whose tensor names are the seed's PyTorch state-dict names,
// with `__metadata__` { format: "ecg-beats/1", config: JSON of the knobs, classes: "N,S,V,F,Q",
// provenance: JSON (data split and seed, epochs, metrics, project version) }.
// A file with no metadata loads as the preset whose tensors it matches (a PyTorch-written seed).
import { type DType, shapeOnly, Tensor, type TypedArray, tidy } from "../engine/index.js";
import { isOutOfMemory } from "../errors.js";
import { CheckpointError } from "../nn/errors.js";
import {
  type Dtype,
  readSafetensors,
  type SafeTensor,
  type SafetensorsContents,
  toFloat32Array,
  writeSafetensors,
} from "../nn/safetensors.js";
import { CLASS_NAMES } from "../vocabulary.js";
import { type ModelConfig, normalizeConfig, PRESET_NAMES, PRESETS } from "./config.js";
import { buildNetwork, type Network } from "./ensemble.js";
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

/** The safetensors dtypes the engine has, and its name for each: the one table both directions read. */
const ENGINE_DTYPE = {
  F32: "float32",
  F64: "float64",
  I64: "int64",
  I32: "int32",
  U8: "uint8",
  BOOL: "bool",
  F16: "float16",
  BF16: "bfloat16",
} as const satisfies Partial<Record<Dtype, DType>>;
type EngineDtype = keyof typeof ENGINE_DTYPE;
const SAFE_DTYPE = Object.fromEntries(Object.entries(ENGINE_DTYPE).map(([s, e]) => [e, s])) as Record<
  DType,
  EngineDtype
>;

/** A libtorch tensor from a safetensors entry (copied); `name` and `file` name it in errors. */
export function tensorFromSafe(t: SafeTensor, name = "tensor", file = "<checkpoint>"): Tensor {
  if (!Object.hasOwn(ENGINE_DTYPE, t.dtype))
    throw new CheckpointError(file, "dtype", `dtype ${t.dtype} is not supported by the engine`, name);
  return Tensor.fromArray(t.data as TypedArray, t.shape, ENGINE_DTYPE[t.dtype as EngineDtype]);
}

/** A safetensors entry from a libtorch tensor (copied to the CPU). */
export function safeFromTensor(t: Tensor): SafeTensor {
  // toArray() gives the typed array of the tensor's dtype, which is the one DtypeArrays names for it.
  return { dtype: SAFE_DTYPE[t.dtype], shape: t.shape, data: t.toArray() } as SafeTensor;
}

export function saveCheckpoint(
  file: string,
  model: Network,
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

/** Each state-dict entry of a model: its shape and dtype. */
export type StateDictLayout = Map<string, { shape: number[]; dtype: DType }>;

/** The state dict a config's model has, learnt on the meta device: no memory, whatever the config. */
export function stateDictLayout(config: ModelConfig): StateDictLayout {
  return shapeOnly(() => {
    const net = buildNetwork(config);
    try {
      return new Map([...net.stateDict()].map(([k, t]) => [k, { shape: t.shape, dtype: t.dtype }]));
    } finally {
      net.dispose();
    }
  });
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.join(",") === b.join(",");

/** The preset whose state-dict names and shapes a set of tensors matches exactly. */
function inferConfig(file: string, tensors: ReadonlyMap<string, SafeTensor>): ModelConfig {
  for (const name of PRESET_NAMES) {
    const config = { ...PRESETS[name] };
    const layout = stateDictLayout(config);
    if ([...layout].every(([k, v]) => tensors.has(k) && sameShape(tensors.get(k)!.shape, v.shape)))
      return config;
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

const FLOATING: readonly Dtype[] = ["F32", "F64", "F16", "BF16"];

function list(names: readonly string[]): string {
  const shown = names.slice(0, 3).join(", ");
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}

/**
 * The file's model tensors against the config's layout, before any model is built: the same names
 * and shapes, a floating dtype where the model has floats and int64 where it counts (a weight's
 * bytes declared I32 are refused), every value finite and every BatchNorm variance ≥ 0.
 */
export function checkCheckpointTensors(
  file: string,
  config: ModelConfig,
  tensors: ReadonlyMap<string, SafeTensor>,
): void {
  const layout = stateDictLayout(config);
  const own = [...tensors.keys()].filter((k) => !k.startsWith("__"));
  const missing = [...layout.keys()].filter((k) => !tensors.has(k));
  const unexpected = own.filter((k) => !layout.has(k));
  if (missing.length > 0 || unexpected.length > 0) {
    const parts = [
      ...(missing.length > 0 ? [`missing ${list(missing)}`] : []),
      ...(unexpected.length > 0 ? [`unexpected ${list(unexpected)}`] : []),
    ];
    throw new CheckpointError(
      file,
      "layout",
      `its tensors do not fit its config ${JSON.stringify(config)}: ${parts.join("; ")}`,
    );
  }
  for (const [name, want] of layout) {
    const t = tensors.get(name)!;
    if (!sameShape(t.shape, want.shape))
      throw new CheckpointError(
        file,
        "layout",
        `shape [${t.shape.join(", ")}], but its config's model needs [${want.shape.join(", ")}]`,
        name,
      );
    const floating = want.dtype === "float32" || want.dtype === "float64";
    if (floating ? !FLOATING.includes(t.dtype) : t.dtype !== "I64")
      throw new CheckpointError(
        file,
        "dtype",
        `dtype ${t.dtype}, but this tensor must be ${floating ? `floating point (${FLOATING.join(", ")})` : "I64"}`,
        name,
      );
    if (floating)
      checkTensorValues(file, name, t, name.endsWith("running_var") ? { nonNegative: "variance" } : {});
  }
}

/**
 * A floating tensor of a checkpoint, value by value: every one finite (`what`: what they are, for the
 * message), and, for a `nonNegative` kind (a BatchNorm variance, an optimizer's average of squared
 * gradients), none below 0; else a CheckpointError naming the file, the tensor and the value.
 */
export function checkTensorValues(
  file: string,
  name: string,
  t: SafeTensor,
  opts: { what?: string; nonNegative?: string } = {},
): void {
  const { what = "weights", nonNegative } = opts;
  if (!FLOATING.includes(t.dtype))
    throw new CheckpointError(file, "dtype", `dtype ${t.dtype}, but ${what} must be floating point`, name);
  const values = toFloat32Array(t);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v))
      throw new CheckpointError(file, "values", `value ${i} is ${v} (${what} must be finite)`, name);
    if (nonNegative && v < 0)
      throw new CheckpointError(
        file,
        "values",
        `${nonNegative} ${i} is ${v} (${nonNegative}s must be ≥ 0)`,
        name,
      );
  }
}

/** Builds the model a checkpoint describes and loads its weights (strict: every name must match). */
export function loadCheckpoint(file: string): { model: Network; info: CheckpointInfo } {
  return loadAdmitted(file, () => {});
}

/** loadCheckpoint where only a single network will do (a run's checkpoints): an ensemble is refused. */
export function loadSingleCheckpoint(file: string): { model: SeedNet; info: CheckpointInfo } {
  const refuseEnsemble = (info: CheckpointInfo) => {
    if (info.config.members !== undefined)
      throw new CheckpointError(
        file,
        "layout",
        `an ensemble of ${info.config.members} networks, not one network: its members are trained apart`,
      );
  };
  const { model, info } = loadAdmitted(file, refuseEnsemble);
  if (!(model instanceof SeedNet)) throw new Error("an ensemble config was admitted"); // refused above
  return { model, info };
}

/** Reads the file, lets `admit` refuse it by its header, checks its tensors, then builds and loads. */
function loadAdmitted(
  file: string,
  admit: (info: CheckpointInfo) => void,
): { model: Network; info: CheckpointInfo } {
  const contents = readSafetensors(file);
  const info = readCheckpointInfo(file, contents);
  admit(info);
  checkCheckpointTensors(file, info.config, contents.tensors);
  let model: Network | undefined;
  try {
    model = buildNetwork(info.config);
    const built = model;
    tidy(() => {
      const tensors = new Map<string, Tensor>();
      for (const [k, v] of contents.tensors)
        if (!k.startsWith("__")) tensors.set(k, tensorFromSafe(v, k, file));
      built.loadStateDict(tensors, { source: file });
    });
  } catch (e) {
    model?.dispose();
    if (isOutOfMemory(e))
      throw new CheckpointError(file, "io", `not enough memory to build its model (${(e as Error).message})`);
    throw e;
  }
  return { model, info };
}
