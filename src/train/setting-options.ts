// The table of training settings (settings.ts) as `ecg train`'s command-line options: their specs for
// node:util parseArgs, their --help lines, the TrainOptions a command line gives, and which settings it
// gave (what --resume compares with the run's, and what --override may name).
import path from "node:path";
import { UsageError } from "../errors.js";
import { type ModelConfig, presetConfig } from "../models/config.js";
import type { TrainOptions } from "./options.js";
import type { Given, GroupKind } from "./setting-kinds.js";
import {
  type DefaultContext,
  flagsOf,
  SETTING_KEYS,
  SETTINGS,
  type Setting,
  type SettingKey,
  type SettingValues,
  settingOfFlag,
} from "./settings.js";

/** What node:util parseArgs gives: a flag's text, true, or (for a repeated flag) a list. */
export type ArgValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

const row = (key: SettingKey): Setting<unknown> => SETTINGS[key];

/** Every setting's flags, as node:util parseArgs takes them. */
export function settingOptionSpecs(): Record<string, { type: "string" | "boolean" }> {
  return Object.fromEntries(SETTING_KEYS.flatMap((k) => flagsOf(k).map((f) => [f.flag, { type: f.arg }])));
}

/** Every setting's --help line, by flag: its help, then its default. */
export function settingHelp(): Record<string, string> {
  const lines: Record<string, string> = {};
  for (const key of SETTING_KEYS) {
    const r = row(key);
    const shown =
      r.defaultHelp ??
      (typeof r.default === "function" || r.default === false ? "none" : r.kind.show(r.default));
    lines[r.flag] = shown === "none" ? r.help : `${r.help} (default ${shown})`;
    // The other flags of a group (--max-repeat, --aug-*): their value when the group is on.
    const group = r.kind as Partial<GroupKind>;
    for (const f of Object.values(group.fields ?? {}))
      if (f.flag !== r.flag)
        lines[f.flag] = `${f.help} (default ${f.on}${group.anyTurnsOn ? `; turns --${r.flag} on` : ""})`;
  }
  return lines;
}

/** What a flag was given, or undefined; a repeated flag is a usage error. */
function givenIn(values: ArgValues): Given {
  return (flag) => {
    const v = values[flag];
    if (Array.isArray(v)) throw new UsageError(`--${flag} is given more than once`);
    return v === false || v === undefined ? undefined : v;
  };
}

/**
 * The settings a command line gives, each as given or its default. `resume`: the run is continued
 * (its settings come from its config.json; what is given here is compared with them).
 */
export function settingsFrom(values: ArgValues, resume: boolean): SettingValues {
  const given = givenIn(values);
  const out: Record<string, unknown> = {};
  const settingValue = (key: SettingKey, c: DefaultContext): unknown => {
    const r = row(key);
    const v = r.kind.read(r.flag, given);
    if (v !== undefined) return v;
    return typeof r.default === "function" ? (r.default as (c: DefaultContext) => unknown)(c) : r.default;
  };
  // The settings other defaults depend on, first.
  const first = { resume } as DefaultContext;
  first.preset = settingValue("preset", first) as DefaultContext["preset"];
  first.optimizer = settingValue("optimizer", first) as DefaultContext["optimizer"];
  for (const key of SETTING_KEYS) out[key] = settingValue(key, first);
  return out as SettingValues;
}

/** TrainOptions from a command line: the settings, where the run goes, and how the directory is treated. */
export function trainOptionsFromArgs(
  values: ArgValues,
  job: { outDir: string | undefined; resume: boolean; overwrite: boolean },
): TrainOptions {
  if (job.resume && job.outDir === undefined)
    throw new UsageError("--resume needs --out: the run directory to continue");
  const settings = settingsFrom(values, job.resume);
  const model: ModelConfig = presetConfig(settings.preset);
  return {
    ...settings,
    outDir: job.outDir ?? defaultRunDir(settings.preset),
    model,
    resume: job.resume,
    overwrite: job.overwrite,
  };
}

/** runs/<preset>-<time>: where a run goes without --out. */
function defaultRunDir(preset: string): string {
  return path.join("runs", `${preset}-${new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19)}`);
}

/** The settings given on the command line (any of their flags), and those --override names. */
export function givenSettings(
  values: ArgValues,
  resume: boolean,
  overrideList: string | undefined,
): { given: Set<SettingKey>; override: Set<SettingKey> } {
  const given = new Set(SETTING_KEYS.filter((k) => flagsOf(k).some((f) => values[f.flag] !== undefined)));
  if (resume)
    for (const key of given)
      if (row(key).onResume === "kept")
        throw new UsageError(
          `--${row(key).flag}: a resumed run keeps the validation split it started with (config.json); leave it out`,
        );
  if (overrideList !== undefined && !resume)
    throw new UsageError("--override only applies to --resume (a new run takes every option as given)");
  const override = new Set<SettingKey>();
  for (const flag of (overrideList ?? "")
    .split(",")
    .map((f) => f.trim().replace(/^--/, ""))
    .filter(Boolean)) {
    const key = settingOfFlag(flag);
    if (!key || row(key).onResume === "kept")
      throw new UsageError(
        `--override ${flag}: no such option (${SETTING_KEYS.filter((k) => row(k).onResume !== "kept")
          .map((k) => row(k).flag)
          .join(", ")})`,
      );
    override.add(key);
  }
  return { given, override };
}
