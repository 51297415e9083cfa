// The knobs of the seed's network family and its named presets (seed-model.md).

export interface ModelConfig {
  /** Base width. */
  dim: number;
  /** Residual blocks per floor. */
  repeat: number;
  /** Groups of every 3-tap grouped conv. */
  groups: number;
  /** Floors per stage in stages 1-3. */
  floors: number;
  /** The proposed connection on (seed) or off (plain ResNeXt). */
  connection: boolean;
  /** Output classes. */
  classes: number;
}

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

/** The preset a config equals, if any. */
export function presetOf(config: ModelConfig): PresetName | undefined {
  return PRESET_NAMES.find((n) => JSON.stringify(PRESETS[n]) === JSON.stringify(normalizeConfig(config)));
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
  const int = (k: keyof typeof CONFIG_LIMITS): number => {
    const v = r[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1)
      throw new RangeError(`model config: '${k}' must be a positive integer, got ${JSON.stringify(v)}`);
    if (v > CONFIG_LIMITS[k])
      throw new RangeError(`model config: '${k}' is ${v}, more than the ${CONFIG_LIMITS[k]} allowed`);
    return v;
  };
  const config: ModelConfig = {
    dim: int("dim"),
    repeat: int("repeat"),
    groups: int("groups"),
    floors: int("floors"),
    connection: r["connection"] === true || r["connection"] === "on",
    classes: int("classes"),
  };
  if ((2 * config.dim) % config.groups !== 0)
    throw new RangeError(`model config: groups ${config.groups} must divide 2·dim = ${2 * config.dim}`);
  return config;
}
