// The kinds of value a training setting takes (src/train/settings.ts): for each, how the command line
// gives it (its flags, node:util parseArgs' type, the reading of its text, a UsageError naming the
// flag) and its type in config.json (zod, the same bounds). A setting's row names its kind; nothing
// else restates a bound.
import { z } from "zod";
import { UsageError } from "../errors.js";
import { choiceValue, type NumberBounds, numberValue } from "../option-value.js";

/** What the command line holds for a flag: its text, or true for a boolean flag; undefined: not given. */
export type Given = (flag: string) => string | true | undefined;

export interface Kind<V> {
  /** The flags the kind reads, each with parseArgs' type: the setting's own first. */
  flags(own: string): { flag: string; arg: "string" | "boolean" }[];
  /** The value the command line gives (undefined: none of its flags given). */
  read(own: string, given: Given): V | undefined;
  /** config.json's type of the value (undefined in it: absent). */
  readonly schema: z.ZodType<V>;
  /** A value as --help shows it. */
  show(v: V): string;
}

const text = (flag: string, g: string | true): string => {
  if (g === true) throw new UsageError(`--${flag} takes a value`);
  return g;
};

/** One value of a string flag, read by `parse`. */
function valueKind<V>(schema: z.ZodType<V>, parse: (flag: string, raw: string) => V): Kind<V> {
  return {
    flags: (own) => [{ flag: own, arg: "string" }],
    read: (own, given) => {
      const g = given(own);
      return g === undefined ? undefined : parse(own, text(own, g));
    },
    schema,
    show: (v) => (Array.isArray(v) ? v.join(",") : String(v)),
  };
}

function numberSchema(b: NumberBounds): z.ZodNumber {
  let s = b.integer ? z.number().int() : z.number();
  if (b.min !== undefined) s = s.min(b.min);
  if (b.max !== undefined) s = s.max(b.max);
  return s;
}

export const kinds = {
  number: (bounds: NumberBounds = {}): Kind<number> =>
    valueKind(numberSchema(bounds), (flag, raw) => numberValue(flag, raw, bounds)),

  choice: <T extends string>(names: readonly T[]): Kind<T> =>
    valueKind(z.enum(names as readonly [T, ...T[]]) as unknown as z.ZodType<T>, (flag, raw) =>
      choiceValue(flag, raw, names),
    ),

  /** A value read by `parse` (one of the readers every command shares), of config.json type `schema`. */
  read: <V>(schema: z.ZodType<V>, parse: (raw: string) => V): Kind<V> =>
    valueKind(schema, (_, raw) => parse(raw)),

  text: (): Kind<string> => valueKind(z.string(), (_, raw) => raw),

  /** A boolean flag: given, it is true. */
  flag: (): Kind<boolean> => ({
    flags: (own) => [{ flag: own, arg: "boolean" }],
    read: (own, given) => (given(own) === true ? true : undefined),
    schema: z.boolean(),
    show: String,
  }),

  /** `count` numbers separated by commas, each within `bounds` (`names`: what each is, for messages). */
  numbers: (count: number, bounds: NumberBounds, names: readonly string[]): Kind<number[]> =>
    valueKind(z.array(numberSchema(bounds)).length(count), (flag, raw) => {
      const v = raw.split(",").map(Number);
      const inBounds = (x: number) =>
        Number.isFinite(x) &&
        (bounds.min === undefined || x >= bounds.min) &&
        (bounds.max === undefined || x <= bounds.max);
      if (v.length !== count || !v.every(inBounds))
        throw new UsageError(
          `--${flag} takes ${count} ${bounds.min === 0 ? "non-negative " : ""}numbers (${names.join(",")}), got '${raw}'`,
        );
      return v;
    }),

  /** Names separated by commas (records: 114,124,220,223). */
  names: (what: string): Kind<string[]> =>
    valueKind(z.array(z.string()), (flag, raw) => {
      const list = raw.split(",").map((r) => r.trim());
      if (list.some((r) => r === ""))
        throw new UsageError(`--${flag} takes ${what} separated by commas, got '${raw}'`);
      return list;
    }),
};

/** One number of a group of settings given together (an augmentation strength, a sampler knob). */
export interface GroupField {
  /** Its own flag; the group's flag itself for the field that switches it on. */
  flag: string;
  bounds: NumberBounds;
  /** Its value when the group is on and the field not given. */
  on: number;
  help: string;
}

/** A group's kind: its fields, their schemas, and whether any field's flag turns it on. */
export interface GroupKind<F extends Record<string, GroupField> = Record<string, GroupField>>
  extends Kind<{ [K in keyof F]: number }> {
  readonly fields: F;
  readonly shape: { [K in keyof F]: z.ZodNumber };
  readonly anyTurnsOn: boolean;
}

/**
 * Numbers given together, as one setting: on when its switch is given (its own flag: a boolean one, or
 * the field of that flag) or, with `anyTurnsOn`, any field's flag; then each field is as given or its
 * `on` value. A field given while the group is off is a usage error.
 */
export function group<F extends Record<string, GroupField>>(
  fields: F,
  opts: { anyTurnsOn: boolean },
): GroupKind<F> {
  type V = { [K in keyof F]: number };
  const entries = Object.entries(fields) as [keyof F & string, GroupField][];
  const shape = Object.fromEntries(entries.map(([k, f]) => [k, numberSchema(f.bounds)])) as {
    [K in keyof F]: z.ZodNumber;
  };
  return {
    fields,
    shape,
    anyTurnsOn: opts.anyTurnsOn,
    flags: (own) => [
      ...(entries.some(([, f]) => f.flag === own) ? [] : [{ flag: own, arg: "boolean" as const }]),
      ...entries.map(([, f]) => ({ flag: f.flag, arg: "string" as const })),
    ],
    read: (own, given) => {
      const values = new Map(entries.map(([k, f]) => [k, given(f.flag)]));
      const on =
        given(own) !== undefined || (opts.anyTurnsOn && [...values.values()].some((g) => g !== undefined));
      if (!on) {
        const stray = entries.find(([k]) => values.get(k) !== undefined);
        if (stray) throw new UsageError(`--${stray[1].flag} goes with --${own}`);
        return undefined;
      }
      const out = {} as V;
      for (const [k, f] of entries) {
        const g = values.get(k);
        out[k] = g === undefined ? f.on : numberValue(f.flag, text(f.flag, g), f.bounds);
      }
      return out;
    },
    schema: z.object(shape) as unknown as z.ZodType<V>,
    show: (v) =>
      Object.entries(v)
        .map(([k, x]) => `${k} ${x}`)
        .join(", "),
  };
}
