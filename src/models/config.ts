// The knobs of the seed's network family and its named presets (seed-model.md), and the rhythm-aware
// presets that add a branch for each beat's R-R features (src/dataset/rhythm.ts) before the head.
import { RHYTHM_FEATURE_COUNT } from "../dataset/rhythm.js";

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
  /**
   * Rhythm features per beat taken beside the waveform (RHYTHM_FEATURE_COUNT); absent for the seed's
   * morphology-only models, whose configs and checkpoints do not name it.
   */
  rhythm?: number;
  /** Width of the rhythm branch's two hidden layers (with `rhythm` only). */
  rhythmWidth?: number;
  /**
   * The model takes each beat minus its record's template (src/dataset/beat-template.ts), not the beat
   * itself; absent (false) for the seed's models.
   */
  relative?: boolean;
}

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

/** The preset a config equals, if any. */
export function presetOf(config: ModelConfig): PresetName | undefined {
  return PRESET_NAMES.find((n) => JSON.stringify(PRESETS[n]) === JSON.stringify(normalizeConfig(config)));
}

/** Validates a parsed config (e.g. from a checkpoint's metadata); throws with what is wrong. */
export function normalizeConfig(raw: unknown): ModelConfig {
  if (typeof raw !== "object" || raw === null) throw new Error("model config is not an object");
  const r = raw as Record<string, unknown>;
  const int = (k: string): number => {
    const v = r[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1)
      throw new Error(`model config: '${k}' must be a positive integer`);
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
  if (r["rhythm"] !== undefined && r["rhythm"] !== 0) {
    config.rhythm = int("rhythm");
    config.rhythmWidth = int("rhythmWidth");
  } else if (r["rhythmWidth"] !== undefined) {
    throw new Error("model config: 'rhythmWidth' without 'rhythm'");
  }
  if (r["relative"] !== undefined && typeof r["relative"] !== "boolean")
    throw new Error("model config: 'relative' must be true or false");
  if (r["relative"] === true) config.relative = true;
  if ((2 * config.dim) % config.groups !== 0)
    throw new Error(`model config: groups ${config.groups} must divide 2·dim = ${2 * config.dim}`);
  return config;
}
