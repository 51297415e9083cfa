// --resume takes its settings from the run's config.json. A setting given on the command line must agree
// with the run's, unless --override names it (and it may be overridden at all); every change is returned
// for the run's override history.
import path from "node:path";
import { UsageError } from "../errors.js";
import type { Override } from "../run-dir/schema.js";
import type { TrainOptions } from "./options.js";
import { SETTING_KEYS, SETTINGS, type SettingKey } from "./settings.js";

type Changes = Override["changes"];

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function shown(v: unknown): string {
  return Array.isArray(v) ? v.join(",") : String(v);
}

/**
 * The options of a resumed run: the stored ones, with the given settings that differ applied where
 * allowed. `given`: settings the user gave explicitly; `override`: those --override names.
 */
export function reconcileResume(
  stored: TrainOptions,
  requested: TrainOptions,
  given: ReadonlySet<SettingKey>,
  override: ReadonlySet<SettingKey>,
  configFile: string,
): { options: TrainOptions; changes: Changes } {
  const options: TrainOptions = { ...stored, outDir: requested.outDir, resume: true };
  const changes: Changes = {};
  const shownConfig = path.basename(configFile);
  for (const key of override) {
    const { flag, onResume } = SETTINGS[key];
    if (onResume === "fixed")
      throw new UsageError(
        `--override ${flag}: --${flag} cannot change when a run is resumed (the checkpoint depends on it); start a new run instead`,
      );
    if (!given.has(key)) throw new UsageError(`--override ${flag} needs --${flag} with the new value`);
  }
  for (const key of SETTING_KEYS) {
    // The validation split is replayed as config.json records it, whatever the request says.
    if (!given.has(key) || SETTINGS[key].onResume === "kept") continue;
    const before = key === "dataDir" ? path.resolve(stored.dataDir) : stored[key];
    const after = key === "dataDir" ? path.resolve(requested.dataDir) : requested[key];
    if (same(before, after)) continue;
    const { flag, onResume } = SETTINGS[key];
    const conflict = `--${flag} ${shown(after)} differs from the run's ${shown(before)} (${shownConfig})`;
    if (onResume === "fixed")
      throw new UsageError(
        `${conflict}; it cannot change when a run is resumed: start a new run (another --out, or --overwrite)`,
      );
    if (onResume === "override" && !override.has(key))
      throw new UsageError(`${conflict}; add --override ${flag} to change it`);
    Object.assign(options, { [key]: requested[key] });
    changes[flag] = { from: before ?? null, to: after ?? null };
  }
  return { options, changes };
}
