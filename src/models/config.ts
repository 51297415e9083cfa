// The knobs of the seed's network family and its named presets (seed-model.md), and the rhythm-aware
// presets that add a branch for each beat's R-R features (src/dataset/rhythm.ts) before the head.
import { z } from "zod";
import { RHYTHM_FEATURE_COUNT } from "../vocabulary.js";

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
  /**
   * Rhythm features per beat taken beside the waveform (RHYTHM_FEATURE_COUNT); absent for the seed's
   * morphology-only models, whose configs and checkpoints do not name it.
   */
  rhythm: positive.optional(),
  /** Width of the rhythm branch's two hidden layers (with `rhythm` only). */
  rhythmWidth: positive.optional(),
  /**
   * The model takes each beat minus its record's template (src/dataset/beat-template.ts), not the beat
   * itself; absent (false) for the seed's models.
   */
  relative: z.boolean().optional(),
  /**
   * An ensemble of this many networks of the config's other knobs, trained apart and joined by
   * `ecg ensemble` (src/models/ensemble.ts): their softmax probabilities are averaged. Absent for a
   * single network, whose tensor names it leaves untouched.
   */
  members: positive.optional(),
});
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

/** The rhythm branch's width in the rhythm presets. */
const RHYTHM_WIDTH = 32;

const COMPACT = { dim: 8, repeat: 1, groups: 8, floors: 1, connection: true, classes: 5 } as const;
/** compact + the rhythm branch. */
const COMPACT_RR = { ...COMPACT, rhythm: RHYTHM_FEATURE_COUNT, rhythmWidth: RHYTHM_WIDTH } as const;

export const PRESETS = {
  seed: { dim: 64, repeat: 3, groups: 32, floors: 4, connection: true, classes: 5 },
  "seed-resnext": { dim: 64, repeat: 3, groups: 32, floors: 4, connection: false, classes: 5 },
  compact: COMPACT,
  "compact-rr": COMPACT_RR,
  /** compact-rr on patient-relative beats (each beat minus its record's template): for new patients. */
  "compact-rr-rel": { ...COMPACT_RR, relative: true },
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
export const CONFIG_LIMITS = {
  dim: 1024,
  repeat: 16,
  groups: 2048,
  floors: 16,
  classes: 64,
  rhythm: 64,
  rhythmWidth: 1024,
  members: 16,
} as const;

/** Validates a parsed config (e.g. from a checkpoint's metadata); throws with what is wrong. */
export function normalizeConfig(raw: unknown): ModelConfig {
  if (typeof raw !== "object" || raw === null) throw new RangeError("model config is not an object");
  const r = raw as Record<string, unknown>;
  // PyTorch-side metadata may say "on"; anything else but true is off.
  // A morphology-only config may say rhythm 0; absent is the one spelling kept.
  const { rhythm, ...rest } = r;
  const parsed = ModelConfigSchema.safeParse({
    ...rest,
    ...(rhythm === undefined || rhythm === 0 ? {} : { rhythm }),
    connection: r["connection"] === true || r["connection"] === "on",
  });
  if (!parsed.success) {
    const key = parsed.error.issues[0]?.path.join(".") ?? "";
    const want = key === "relative" ? "true or false" : "a positive integer";
    throw new RangeError(`model config: '${key}' must be ${want}, got ${JSON.stringify(r[key])}`);
  }
  const config = parsed.data;
  if (config.rhythm !== undefined && config.rhythmWidth === undefined)
    throw new RangeError(`model config: 'rhythmWidth' must be a positive integer with 'rhythm', got nothing`);
  if (config.rhythm === undefined && config.rhythmWidth !== undefined)
    throw new RangeError("model config: 'rhythmWidth' without 'rhythm'");
  if (config.relative === false) delete config.relative;
  for (const k of Object.keys(CONFIG_LIMITS) as (keyof typeof CONFIG_LIMITS)[]) {
    const v = config[k];
    if (v !== undefined && v > CONFIG_LIMITS[k])
      throw new RangeError(`model config: '${k}' is ${v}, more than the ${CONFIG_LIMITS[k]} allowed`);
  }
  if ((2 * config.dim) % config.groups !== 0)
    throw new RangeError(`model config: groups ${config.groups} must divide 2·dim = ${2 * config.dim}`);
  return config;
}
