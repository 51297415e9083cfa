// The knobs of the seed's network family and its named presets (seed-model.md).
import { z } from "zod";

const positive = z.number().int().min(1);

/** The model's knobs, as a checkpoint's metadata and a run's config.json hold them. */
export const ModelConfigSchema = z.object({
  /** Base width. */
  dim: positive,
  /** Residual blocks per floor. */
  repeat: positive,
  /** Groups of every 3-tap grouped conv. */
  groups: positive,
  /** Floors per stage in stages 1-3. */
  floors: positive,
  /** The proposed connection on (seed) or off (plain ResNeXt). */
  connection: z.boolean(),
  /** Output classes. */
  classes: positive,
});
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

export const PRESETS = {
  seed: { dim: 64, repeat: 3, groups: 32, floors: 4, connection: true, classes: 5 },
  "seed-resnext": { dim: 64, repeat: 3, groups: 32, floors: 4, connection: false, classes: 5 },
  compact: { dim: 8, repeat: 1, groups: 8, floors: 1, connection: true, classes: 5 },
} as const satisfies Record<string, ModelConfig>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function presetConfig(name: PresetName): ModelConfig {
  return { ...PRESETS[name] };
}

/**
 * The largest value each knob may take in a config read from a file: a bound on the work a small
 * file can ask for (the seed itself is dim 64, repeat 3, groups 32, floors 4, five classes).
 */
export const CONFIG_LIMITS = { dim: 1024, repeat: 16, groups: 2048, floors: 16, classes: 64 } as const;

/** Validates a parsed config (e.g. from a checkpoint's metadata); throws with what is wrong. */
export function normalizeConfig(raw: unknown): ModelConfig {
  if (typeof raw !== "object" || raw === null) throw new RangeError("model config is not an object");
  const r = raw as Record<string, unknown>;
  // PyTorch-side metadata may say "on"; anything else but true is off.
  const parsed = ModelConfigSchema.safeParse({
    ...r,
    connection: r["connection"] === true || r["connection"] === "on",
  });
  if (!parsed.success) {
    const key = parsed.error.issues[0]?.path.join(".") ?? "";
    throw new RangeError(`model config: '${key}' must be a positive integer, got ${JSON.stringify(r[key])}`);
  }
  const config = parsed.data;
  for (const k of Object.keys(CONFIG_LIMITS) as (keyof typeof CONFIG_LIMITS)[])
    if (config[k] > CONFIG_LIMITS[k])
      throw new RangeError(`model config: '${k}' is ${config[k]}, more than the ${CONFIG_LIMITS[k]} allowed`);
  if ((2 * config.dim) % config.groups !== 0)
    throw new RangeError(`model config: groups ${config.groups} must divide 2·dim = ${2 * config.dim}`);
  return config;
}
