// `ecg data info FILE`: class counts of a heartbeat CSV (Kaggle format) and a few beats drawn, in the
// terminal (braille dots) or as an SVG. A dataset directory shows both of its splits.
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { writeFileOrFail } from "../../atomic-file.js";
import { readBeatIndex } from "../../dataset/beat-index.js";
import { beatsSvg, brailleLines } from "../../dataset/beat-plot.js";
import { type BeatSet, loadBeatsFile, splitFile, UNLABELLED } from "../../dataset/beats.js";
import { builtSideOf, INDEX_FILE } from "../../dataset/dataset-dir.js";
import { UsageError, UserError } from "../../errors.js";
import { guardOutputs } from "../../output-guard.js";
import { BEAT_LENGTH, CLASS_NAMES, classCounts, N_CLASSES } from "../../vocabulary.js";
import { numberOpt, stringOpt } from "../args.js";
import type { Command } from "../command.js";
import { displayPath, printJson, println } from "../output.js";

interface ShownBeat {
  /** 1-based row (= line) of the CSV. */
  row: number;
  label: string;
  record?: string;
  sample?: number;
  symbol?: string;
}

interface FileInfo {
  file: string;
  count: number;
  labelled: boolean;
  /** Rhythm features per beat (from the directory's index), 0 when the file has none. */
  rhythmFeatures: number;
  classes?: Record<string, number>;
  beats: ShownBeat[];
}

/** The first `perClass` beats of each class (or the first beats, when unlabelled). */
function chooseBeats(set: BeatSet, perClass: number): number[] {
  const chosen: number[] = [];
  if (set.count > 0 && set.y[0] === UNLABELLED) {
    for (let i = 0; i < Math.min(set.count, perClass * 3); i++) chosen.push(i);
    return chosen;
  }
  const taken = [0, 0, 0, 0, 0];
  for (let i = 0; i < set.count && chosen.length < perClass * N_CLASSES; i++) {
    const c = set.y[i]!;
    if (c < N_CLASSES && taken[c]! < perClass) {
      taken[c]!++;
      chosen.push(i);
    }
  }
  return chosen.sort((a, b) => set.y[a]! - set.y[b]! || a - b);
}

/** Where rows came from, when the CSV sits in a directory made by `ecg data build`. */
function provenance(
  csv: string,
  rows: number[],
): Map<number, { record: string; sample: number; symbol: string }> {
  const found = new Map<number, { record: string; sample: number; symbol: string }>();
  const side = builtSideOf(csv);
  const index = side !== undefined && rows.length > 0 ? readBeatIndex(path.dirname(csv), side) : undefined;
  if (index === undefined) return found;
  for (const r of rows) {
    if (r < index.records.length)
      found.set(r, { record: index.records[r]!, sample: index.sample[r]!, symbol: index.symbol[r]! });
  }
  return found;
}

function describe(csv: string, perClass: number): { info: FileInfo; set: BeatSet; rows: number[] } {
  const set = loadBeatsFile(csv, { labels: "optional" });
  const labelled = set.count > 0 && set.y[0] !== UNLABELLED;
  const rows = chooseBeats(set, perClass);
  const from = provenance(csv, rows);
  const info: FileInfo = {
    file: displayPath(csv),
    count: set.count,
    labelled,
    rhythmFeatures: set.rhythm ? set.rhythm.length / Math.max(1, set.count) : 0,
    beats: rows.map((i) => ({
      row: i + 1,
      label: labelled ? CLASS_NAMES[set.y[i]!]! : "?",
      ...from.get(i),
    })),
  };
  if (labelled) {
    const counts = classCounts(set.y);
    info.classes = Object.fromEntries(CLASS_NAMES.map((n, k) => [n, counts[k]!]));
  }
  return { info, set, rows };
}

function printInfo(info: FileInfo, set: BeatSet, rows: number[]): void {
  println(
    `${info.file}: ${info.count.toLocaleString("en-US")} beats × ${BEAT_LENGTH} samples${info.labelled ? "" : " (no labels)"}` +
      (info.rhythmFeatures > 0 ? `, ${info.rhythmFeatures} rhythm features each` : ""),
  );
  if (info.classes) {
    println("  class      beats   share");
    for (const [name, n] of Object.entries(info.classes)) {
      const share = ((100 * n) / Math.max(1, info.count)).toFixed(2);
      println(`  ${name.padEnd(5)} ${n.toLocaleString("en-US").padStart(10)} ${share.padStart(6)} %`);
    }
  }
  rows.forEach((i, k) => {
    const b = info.beats[k]!;
    const where = b.record !== undefined ? `, record ${b.record} sample ${b.sample} '${b.symbol}'` : "";
    println("");
    println(`  ${b.label} — row ${b.row}${where}`);
    const lines = brailleLines(set.x.subarray(i * BEAT_LENGTH, (i + 1) * BEAT_LENGTH), 62, 4);
    lines.forEach((l, j) => {
      println(`  ${j === 0 ? "1" : j === lines.length - 1 ? "0" : " "} ${l}`);
    });
  });
}

export const command: Command = {
  name: "data info",
  summary: "class counts of a heartbeat CSV (Kaggle format), a few beats drawn",
  usage: "data info FILE|DIR [--beats N] [--svg OUT.svg] [--json]",
  options: {
    beats: { type: "string" },
    svg: { type: "string" },
    json: { type: "boolean" },
  },
  optionHelp: {
    beats: "beats drawn per class (default 1)",
    svg: "also write the counts and the beats as an SVG file",
    json: "print the counts and the chosen beats as JSON",
  },
  examples: [
    "ecg data info data/kaggle/mitbih_train.csv",
    "ecg data info data/kaggle --svg beats.svg      # both splits of a dataset directory",
  ],
  allowPositionals: true,
  async run(args) {
    if (args.positionals.length !== 1)
      throw new UsageError("give one heartbeat CSV (or a dataset directory)");
    const target = path.resolve(args.positionals[0]!);
    const perClass = numberOpt(args, "beats", 1, { integer: true, min: 0, max: 20 });
    const svgOut = stringOpt(args, "svg");
    if (!existsSync(target)) throw new UserError(`${displayPath(target)}: no such file or directory`, target);
    const files = statSync(target).isDirectory()
      ? (["train", "test"] as const).map((s) => splitFile(target, s)).filter((f) => existsSync(f))
      : [target];
    if (files.length === 0)
      throw new UserError(`${displayPath(target)}: no mitbih_train.csv or mitbih_test.csv here`, target);
    if (svgOut !== undefined)
      guardOutputs(
        [{ file: svgOut }],
        files.flatMap((f) => [
          { file: f, what: "a beats CSV" },
          { file: path.join(path.dirname(f), INDEX_FILE), what: "the dataset's index" },
        ]),
      );
    const described = files.map((f) => describe(f, perClass));
    if (args.values["json"] === true) {
      const infos = described.map((d) => d.info);
      printJson(infos.length === 1 ? infos[0] : infos);
    } else {
      described.forEach((d, k) => {
        if (k > 0) println("");
        printInfo(d.info, d.set, d.rows);
      });
    }
    if (svgOut !== undefined) {
      const d = described[0]!;
      const counts = Object.entries(d.info.classes ?? {}).map(([name, count]) => ({ name, count }));
      const beats = described.flatMap((dd) =>
        dd.rows.map((i, k) => ({
          title: `${path.basename(dd.info.file)} row ${dd.info.beats[k]!.row}: ${dd.info.beats[k]!.label}`,
          values: dd.set.x.subarray(i * BEAT_LENGTH, (i + 1) * BEAT_LENGTH),
        })),
      );
      writeFileOrFail(
        path.resolve(svgOut),
        beatsSvg(`${d.info.file}: ${d.info.count} beats`, counts, beats),
        "SVG",
        svgOut,
      );
    }
  },
};
