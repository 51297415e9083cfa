// Every setting a training run is configured by, in one table: its flag, its kind (type and bounds,
// src/train/setting-kinds.ts), its default, its help, how it behaves on --resume, and where the run's
// config.json keeps it. The table drives `ecg train`'s options and --help, TrainOptions, the options
// ↔ config.json mapping (run-config.ts) and config.json's schema (src/run-dir/schema.ts builds its
// sections from storedShape()). A new setting is one row here, and its own logic where it acts.
//
// It imports nothing of src/train/ but its kinds (setting-kinds.ts): the run directory's schema, one
// floor down, reads this table.
import path from "node:path";
import { z } from "zod";
import { DEVICE_CHOICES, deviceValue, threadsValue } from "../compute-options.js";
import type { Device } from "../engine/index.js";
import { UsageError } from "../errors.js";
import { PRESET_NAMES, type PresetName } from "../models/config.js";
import { SEED_GAMMA } from "../nn/losses.js";
import { ADAMW_WEIGHT_DECAY } from "../nn/optim/adam.js";
import { SCHEDULE_NAMES } from "../nn/optim/schedule.js";
import { CLASS_NAMES, N_CLASSES, SEED_ALPHA } from "../vocabulary.js";
import { group, type Kind, kinds } from "./setting-kinds.js";

export const OPTIMIZER_NAMES = ["adabound", "amsbound", "adam", "adamw"] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];
export const LOSS_NAMES = ["focal", "ce"] as const;
export type LossName = (typeof LOSS_NAMES)[number];
/** How validation is split off the training side: by record for inter-patient data ("auto"), or as named. */
export const VAL_SPLIT_NAMES = ["auto", "records", "stratified"] as const;
export type ValSplitName = (typeof VAL_SPLIT_NAMES)[number];
/** What picks the best epoch: validation macro-F1, or the mean F1 of S and V (the inter-patient task). */
export const SELECT_NAMES = ["macro-f1", "sv-f1"] as const;
export type SelectName = (typeof SELECT_NAMES)[number];

/**
 * How a setting behaves on --resume: "fixed" (the checkpoint or the data split depends on it: it
 * cannot change), "override" (changes only when --override names it, and the change is recorded),
 * "free" (a property of this process, not of the run: it may change; a change is recorded), "kept"
 * (the run keeps what it started with, and giving it is a usage error: the validation split).
 */
export type OnResume = "fixed" | "override" | "free" | "kept";

/** The parts of config.json a setting may live in; "focal": the loss's, when the loss is focal. */
export type Section = "run" | "data" | "optimizer" | "loss" | "focal";

/** Where config.json keeps a setting, and in what form. */
export interface Stored<V> {
  in: Section;
  as: string;
  /** Its form there, when not the kind's. */
  schema?: z.ZodType;
  /** What a config.json written before the setting existed reads as (absent: it must be there). */
  older?: unknown;
  encode?(v: V): unknown;
  decode?(stored: never): V;
  /** Written from what the run found (the validation split), not from the option. */
  byTheRun?: true;
}

/** What defaults may depend on: the settings read first, and whether the run is resumed. */
export interface DefaultContext {
  preset: PresetName;
  optimizer: OptimizerName;
  resume: boolean;
}

export interface Setting<V, D = V> {
  flag: string;
  kind: Kind<V>;
  default: D | ((c: DefaultContext) => D);
  /** How --help shows the default when it is not a plain value ("none": not shown). */
  defaultHelp?: string;
  help: string;
  onResume: OnResume;
  stored?: Stored<V | D>;
  /** May be left out of a TrainOptions written by hand (it then reads as its default). */
  optional?: true;
}

/** A row, its kind's and its defaults' types kept (and where it is stored, and whether optional). */
function setting<
  V,
  D = V,
  const R extends OnResume = OnResume,
  const St extends Stored<V | D> | undefined = undefined,
  const O extends true | undefined = undefined,
>(
  row: Setting<V, D> & { onResume: R; stored?: St; optional?: O },
): Setting<V, D> & { onResume: R; stored: St; optional: O } {
  return row as Setting<V, D> & { onResume: R; stored: St; optional: O };
}

const count = z.number().int().min(0);

/** cpu, cuda, or one CUDA device (a data-parallel worker's: cuda:LOCAL_RANK). */
export const DeviceSchema = z.union([
  z.literal("cpu"),
  z.literal("cuda"),
  z.templateLiteral(["cuda:", z.number().int().min(0)]),
]);

const BALANCE = group(
  {
    /** Exponent on each class's count: 1 draws as the data is, 0 draws every class equally. */
    power: { flag: "balance", bounds: { min: 0, max: 1 }, on: 1, help: "" },
    /** No beat is drawn more often than this per epoch (a class of 8 beats must not fill a tenth of it). */
    maxRepeat: {
      flag: "max-repeat",
      bounds: { min: 1 },
      on: 20,
      help: "with --balance, most draws of one beat per epoch",
    },
  },
  { anyTurnsOn: false },
);
/** Class balancing's knobs (src/train/sampler.ts: balancedOrder), as config.json's sampler has them. */
export type BalanceOptions = { [K in keyof typeof BALANCE.fields]: number };
/** The order of an epoch's beats (src/train/sampler.ts): every beat once, or class-balanced draws. */
export const SamplerConfigSchema = z.discriminatedUnion("name", [
  z.object({ name: z.literal("shuffle") }),
  z.object({ name: z.literal("balanced"), ...BALANCE.shape }),
]);
export type SamplerConfig = z.infer<typeof SamplerConfigSchema>;

const AUGMENT = group(
  {
    /** Time stretch: factor drawn from [1 − stretch, 1 + stretch]. */
    stretch: { flag: "aug-stretch", bounds: { min: 0, max: 0.5 }, on: 0.1, help: "time stretch ±fraction" },
    /** Amplitude: factor drawn from [1 − amplitude, 1 + amplitude]. */
    amplitude: {
      flag: "aug-amplitude",
      bounds: { min: 0, max: 0.5 },
      on: 0.2,
      help: "amplitude scale ±fraction",
    },
    /** Baseline wander: a sinusoid of 0.1-0.6 Hz, amplitude drawn from [0, wander]. */
    wander: {
      flag: "aug-wander",
      bounds: { min: 0, max: 0.5 },
      on: 0.1,
      help: "baseline wander amplitude, at most",
    },
    /** White noise: standard deviation drawn from [0, noise]. */
    noise: {
      flag: "aug-noise",
      bounds: { min: 0, max: 0.5 },
      on: 0.02,
      help: "white-noise standard deviation, at most",
    },
    /** Heart rate: the rhythm features in seconds times a factor drawn log-uniformly from [1/(1+r), 1+r]. */
    rate: {
      flag: "aug-rate",
      bounds: { min: 0, max: 1 },
      on: 0.25,
      help: "heart-rate scale of the R-R durations, ±fraction",
    },
    /** Probability that an N beat in a regular rhythm becomes a synthetic premature (S) beat. */
    premature: {
      flag: "aug-premature",
      bounds: { min: 0, max: 1 },
      on: 0,
      help: "probability that an N beat in a regular rhythm gets the R-R features of a premature beat and the label S",
    },
  },
  { anyTurnsOn: true },
);
/** On-the-fly augmentation strengths (src/train/augment.ts applies them); all 0: off. */
export type AugmentOptions = { [K in keyof typeof AUGMENT.fields]: number };
/** No augmentation: every strength 0. */
export const NO_AUGMENT: AugmentOptions = {
  stretch: 0,
  amplitude: 0,
  wander: 0,
  noise: 0,
  rate: 0,
  premature: 0,
};
/** The strengths `--augment` turns on (each --aug-* sets one, and turns augmentation on by itself). */
export const DEFAULT_AUGMENT = Object.fromEntries(
  Object.entries(AUGMENT.fields).map(([k, f]) => [k, f.on]),
) as AugmentOptions;

/** Per-preset epochs when none is given: the seed's 200 for its GPU models, a CPU budget for compact. */
export function defaultEpochs(preset: PresetName): number {
  return preset.startsWith("compact") ? 20 : 200;
}

/** The table. Its order is --help's, and that of config.json's sections. */
export const SETTINGS = {
  dataDir: setting({
    flag: "data",
    kind: kinds.text(),
    default: (c: DefaultContext): string => {
      // A resumed run takes its data directory from its config.json.
      if (c.resume) return "";
      throw new UsageError("--data is required");
    },
    defaultHelp: "none",
    help: "dataset directory (ecg data build, or Kaggle's mitbih_train.csv/mitbih_test.csv)",
    onResume: "fixed",
    stored: { in: "data", as: "dir", encode: (v: string) => path.resolve(v) },
  }),
  preset: setting({
    flag: "preset",
    kind: kinds.choice(PRESET_NAMES),
    default: "compact" as PresetName,
    help: "compact (CPU), compact-rr (+ R-R features), compact-rr-rel (+ beats relative to the patient's template: for new patients), seed, seed-resnext",
    onResume: "fixed",
    stored: { in: "run", as: "preset" },
  }),
  epochs: setting({
    flag: "epochs",
    kind: kinds.number({ integer: true, min: 1 }),
    default: (c: DefaultContext) => defaultEpochs(c.preset),
    defaultHelp: "20 for compact, 200 for the seed presets",
    help: "epochs",
    onResume: "override",
    stored: { in: "run", as: "epochs" },
  }),
  batch: setting({
    flag: "batch",
    kind: kinds.number({ integer: true, min: 1 }),
    default: 128,
    help: "global batch size, shared out among the --nproc processes",
    onResume: "fixed",
    stored: { in: "run", as: "batch" },
  }),
  optimizer: setting({
    flag: "optimizer",
    kind: kinds.choice(OPTIMIZER_NAMES),
    default: "adabound" as OptimizerName,
    help: OPTIMIZER_NAMES.join(", "),
    onResume: "fixed",
    stored: { in: "optimizer", as: "name" },
  }),
  lr: setting({
    flag: "lr",
    kind: kinds.number({ min: 0 }),
    default: 1e-3,
    help: "learning rate",
    onResume: "override",
    stored: { in: "optimizer", as: "lr" },
  }),
  finalLr: setting({
    flag: "final-lr",
    kind: kinds.number({ min: 0 }),
    default: 0.1,
    help: "AdaBound's final learning rate",
    onResume: "override",
    stored: { in: "optimizer", as: "finalLr" },
  }),
  weightDecay: setting({
    flag: "weight-decay",
    kind: kinds.number({ min: 0 }),
    default: (c: DefaultContext) => (c.optimizer === "adamw" ? ADAMW_WEIGHT_DECAY : 0),
    defaultHelp: `0, AdamW ${ADAMW_WEIGHT_DECAY}`,
    help: "L2 penalty (AdamW: decoupled)",
    onResume: "override",
    stored: { in: "optimizer", as: "weightDecay" },
  }),
  schedule: setting({
    flag: "schedule",
    kind: kinds.choice(SCHEDULE_NAMES),
    default: "constant" as (typeof SCHEDULE_NAMES)[number],
    help: `learning-rate schedule: ${SCHEDULE_NAMES.join(", ")}`,
    onResume: "override",
    stored: { in: "optimizer", as: "schedule" },
  }),
  warmupEpochs: setting({
    flag: "warmup-epochs",
    kind: kinds.number({ min: 0 }),
    default: 0,
    help: "linear warm-up epochs",
    onResume: "override",
    stored: { in: "optimizer", as: "warmupEpochs" },
  }),
  gradClip: setting({
    flag: "grad-clip",
    kind: kinds.number({ min: 0 }),
    default: 0,
    defaultHelp: "0: off",
    help: "clip the gradients' total norm to this before each step (torch.nn.utils.clip_grad_norm_)",
    onResume: "override",
    optional: true,
    stored: { in: "optimizer", as: "gradClip", older: 0 },
  }),
  loss: setting({
    flag: "loss",
    kind: kinds.choice(LOSS_NAMES),
    default: "focal" as LossName,
    help: "focal (gamma 2, the seed's alpha) or ce",
    onResume: "override",
    stored: { in: "loss", as: "name" },
  }),
  gamma: setting({
    flag: "gamma",
    kind: kinds.number({ min: 0 }),
    default: SEED_GAMMA,
    help: "focal-loss gamma (0 = weighted cross-entropy)",
    onResume: "override",
    stored: { in: "focal", as: "gamma" },
  }),
  alpha: setting({
    flag: "alpha",
    kind: kinds.numbers(N_CLASSES, { min: 0 }, CLASS_NAMES),
    default: [...SEED_ALPHA],
    help: `focal-loss class weights ${CLASS_NAMES.join(",")}`,
    onResume: "override",
    stored: { in: "focal", as: "alpha" },
  }),
  fullFocal: setting({
    flag: "full-focal",
    kind: kinds.flag(),
    default: false,
    help: "differentiate through (1-p)^gamma too (the seed detaches it)",
    onResume: "override",
    // The seed detaches (1-p)^gamma from the gradient; --full-focal does not.
    stored: {
      in: "focal",
      as: "detachModulating",
      encode: (v: boolean) => !v,
      decode: (detached: boolean) => !detached,
    },
  }),
  valFraction: setting({
    flag: "val-fraction",
    kind: kinds.number({ min: 0.01, max: 0.5 }),
    default: 0.1,
    help: "validation share of the training side: of its beats, stratified; split by record, of its S and V beats",
    onResume: "fixed",
    stored: { in: "data", as: "valFraction" },
  }),
  valSplit: setting({
    flag: "val-split",
    kind: kinds.choice(VAL_SPLIT_NAMES),
    default: "auto" as ValSplitName,
    help: "auto (by record for inter-patient data, else stratified), records (whole patients held out), stratified (beats)",
    onResume: "kept",
    // How validation was split off: whole records (patients) or beats. Older runs lack it: beats.
    stored: {
      in: "data",
      as: "valSplit",
      schema: z.enum(["records", "stratified"]),
      older: "stratified",
      byTheRun: true,
    },
  }),
  valRecords: setting({
    flag: "val-records",
    kind: kinds.names("record names"),
    default: undefined,
    defaultHelp: "chosen from the seed",
    help: "records to hold out for validation, e.g. 114,124,220,223",
    onResume: "kept",
    stored: { in: "data", as: "valRecords", schema: z.array(z.string()).optional(), byTheRun: true },
  }),
  balance: setting({
    flag: "balance",
    kind: BALANCE,
    default: undefined,
    defaultHelp: "off",
    help: "class-balanced epochs: each class drawn in proportion to count^P (0 = classes alike, 1 = as the data)",
    onResume: "override",
    stored: {
      in: "run",
      as: "sampler",
      schema: SamplerConfigSchema,
      older: { name: "shuffle" },
      encode: (b: BalanceOptions | undefined): SamplerConfig =>
        b ? { name: "balanced", ...b } : { name: "shuffle" },
      decode: (s: SamplerConfig): BalanceOptions | undefined =>
        s.name === "balanced" ? { power: s.power, maxRepeat: s.maxRepeat } : undefined,
    },
  }),
  augment: setting({
    flag: "augment",
    kind: AUGMENT,
    default: NO_AUGMENT,
    defaultHelp: "none",
    help: `augment training beats: ${AUGMENT.show(DEFAULT_AUGMENT)}`,
    onResume: "override",
    stored: { in: "run", as: "augment", older: NO_AUGMENT },
  }),
  adversary: setting({
    flag: "adversary",
    kind: kinds.number({ min: 0 }),
    default: 0,
    defaultHelp: "0: off",
    help: "subject-adversarial weight: a head learns each training beat's patient from the CNN features, its gradient reversed into the network (one process only)",
    onResume: "fixed",
    stored: { in: "run", as: "adversary", older: 0 },
  }),
  select: setting({
    flag: "select",
    kind: kinds.choice(SELECT_NAMES),
    default: "macro-f1" as SelectName,
    help: "what picks the best epoch: macro-f1 or sv-f1 (mean F1 of S and V)",
    onResume: "override",
    stored: { in: "run", as: "select", older: "macro-f1" },
  }),
  seed: setting({
    flag: "seed",
    kind: kinds.number({ integer: true, min: 0 }),
    default: 1,
    help: "random seed: same seed, same result on the same machine",
    onResume: "fixed",
    stored: { in: "run", as: "seed" },
  }),
  device: setting({
    flag: "device",
    kind: kinds.read<Device>(DeviceSchema, deviceValue),
    default: deviceValue(undefined) as Device,
    help: DEVICE_CHOICES.join(" or "),
    onResume: "free",
    stored: { in: "run", as: "device" },
  }),
  threads: setting({
    flag: "threads",
    kind: kinds.read(z.number().int().min(1), threadsValue),
    default: () => threadsValue(undefined),
    defaultHelp: "the cores, shared out among --nproc processes",
    help: "CPU threads per process",
    onResume: "free",
    stored: { in: "run", as: "threads" },
  }),
  maxMinutes: setting({
    flag: "max-minutes",
    kind: kinds.number({ min: 0 }),
    default: 0,
    defaultHelp: "none",
    help: "stop at the first epoch end past this budget",
    onResume: "free",
  }),
  maxSteps: setting({
    flag: "max-steps",
    kind: kinds.number({ integer: true, min: 0 }),
    default: 0,
    defaultHelp: "none",
    help: "stop after N optimizer steps in all, validating and checkpointing there (a quick try)",
    onResume: "override",
    optional: true,
    stored: { in: "run", as: "maxSteps", older: 0 },
  }),
  limitBeats: setting({
    flag: "limit-beats",
    kind: kinds.number({ integer: true, min: 1 }),
    default: 0,
    defaultHelp: "none",
    help: "train on a stratified seeded sample of N beats of the training side (a quick try)",
    onResume: "fixed",
    optional: true,
    // Beats of the training side used; 0: all. Older runs lack it.
    stored: { in: "data", as: "limitBeats", schema: count, older: 0 },
  }),
};

type Rows = typeof SETTINGS;
export type SettingKey = keyof Rows;
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/** The value type of a row: its kind's, or its default's (undefined: the setting is off). */
type ValueOf<R> = R extends Setting<infer V, infer D> ? V | D : never;
type OptionalKey = { [K in SettingKey]: Rows[K] extends { optional: true } ? K : never }[SettingKey];
/** Every setting's value, as the trainer takes them. */
export type SettingValues = { [K in Exclude<SettingKey, OptionalKey>]: ValueOf<Rows[K]> } & {
  [K in OptionalKey]?: ValueOf<Rows[K]>;
};

/** config.json's part `section`: each row kept there, under its name, with its schema. */
export type StoredShape<S extends Section> = {
  [K in SettingKey as Rows[K]["stored"] extends { in: S; as: infer A extends string }
    ? A
    : never]: Rows[K]["stored"] extends {
    schema: infer Z extends z.ZodType;
  }
    ? Z
    : z.ZodType<ValueOf<Rows[K]>>;
};

/** The zod shape of config.json's part `section`, from the table (src/run-dir/schema.ts builds on it). */
export function storedShape<S extends Section>(section: S): StoredShape<S> {
  const shape: Record<string, z.ZodType> = {};
  for (const key of SETTING_KEYS) {
    const row: Setting<unknown> = SETTINGS[key];
    if (row.stored?.in === section) shape[row.stored.as] = storedSchema(row);
  }
  return shape as StoredShape<S>;
}

/** A setting's schema in config.json: its form there, read as `older` where an older file lacks it. */
function storedSchema(row: Setting<unknown>, older = true): z.ZodType {
  const schema = row.stored?.schema ?? row.kind.schema;
  const missing = row.stored?.older;
  return older && missing !== undefined ? schema.default(missing as never) : schema;
}

type ProcessKey = { [K in SettingKey]: Rows[K] extends { onResume: "free" } ? K : never }[SettingKey];
/** The settings of config.json's "run" part that shape a model's weights, each optional. */
export type ShapingShape = {
  [K in Exclude<SettingKey, ProcessKey> as Rows[K]["stored"] extends { in: "run"; as: infer A extends string }
    ? A
    : never]: z.ZodOptional<z.ZodType<ValueOf<Rows[K]>>>;
};

/**
 * What a checkpoint's provenance records of the "run" part: every setting but this process's own
 * ("free": device, threads), each optional (older checkpoints lack the later ones).
 */
export function shapingShape(): ShapingShape {
  const shape: Record<string, z.ZodType> = {};
  for (const key of SETTING_KEYS) {
    const row: Setting<unknown> = SETTINGS[key];
    if (row.stored?.in === "run" && row.onResume !== "free")
      shape[row.stored.as] = storedSchema(row, false).optional();
  }
  return shape as ShapingShape;
}

/** The settings a TrainOptions written by hand may leave out (`optional` rows), filled in with their defaults. */
export function withOptionalDefaults<T extends Partial<SettingValues>>(values: T): T & SettingValuesFilled {
  const out: Record<string, unknown> = { ...values };
  for (const key of SETTING_KEYS) {
    const row: Setting<unknown> = SETTINGS[key];
    if (row.optional && out[key] === undefined) out[key] = row.default;
  }
  return out as T & SettingValuesFilled;
}

/** SettingValues with the optional ones present. */
export type SettingValuesFilled = { [K in OptionalKey]: ValueOf<Rows[K]> };

/** The setting whose flag (or one of whose flags) this is: --max-repeat is the balance setting's. */
export function settingOfFlag(flag: string): SettingKey | undefined {
  return SETTING_KEYS.find((k) => flagsOf(k).some((f) => f.flag === flag));
}

/** A setting's flags, its own first. */
export function flagsOf(key: SettingKey): { flag: string; arg: "string" | "boolean" }[] {
  const row: Setting<unknown> = SETTINGS[key];
  return row.kind.flags(row.flag);
}
