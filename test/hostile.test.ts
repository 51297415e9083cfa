// The hostile-input suite: mutated WFDB records (headers, signals, annotations), checkpoints and
// CSVs, a hostile download mirror, outputs aimed at inputs, closed pipes and Ctrl-C, each run through
// bin/ecg.js within a time and a memory bound. Every run must end in exit 0 with a valid result or
// exit 1/2 with ONE line naming the culprit; none may crash, hang, answer wrongly in silence or
// change a file it reads. The fast cases run in `npm test`; ECG_HOSTILE_SLOW=1 adds the slow ones
// (every mutated record through classify and data build, every CSV through predict). The counts are
// printed at the end (the README's Reliability section quotes them).
import assert from "node:assert/strict";
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { readBeatsCsv, writeBeatsCsv } from "../src/dataset/beats.js";
import { recordBeats } from "../src/dataset/record-beats.js";
import { digitalToPhysical, readRecord } from "../src/wfdb/record.js";
import { engineSkip } from "./helpers/engine.js";
import {
  count,
  emptyTally,
  formatTally,
  type HostileCase,
  judge,
  type RunResult,
  runEcg,
  type Tally,
} from "./helpers/hostile.js";
import { checkpointCases } from "./helpers/hostile-checkpoint.js";
import { csvCases } from "./helpers/hostile-csv.js";
import { growingCases, sampleLines, stdinCases } from "./helpers/hostile-follow.js";
import { startMirror } from "./helpers/hostile-mirror.js";
import { recordFileCases } from "./helpers/hostile-records.js";
import { makeSpecialFiles, serveCase, specialFileCases } from "./helpers/hostile-special-files.js";
import { terminalCases } from "./helpers/hostile-terminal.js";
import { killedWorkerCase, trainCases } from "./helpers/hostile-train.js";
import {
  annotationCases,
  type BaseRecord,
  baseRecord,
  headerAndSignalCases,
  recordFilesOf,
  writeRecord,
} from "./helpers/hostile-wfdb.js";
import { mitdbDir, mitdbSkip, recordPath, repoRoot } from "./helpers/mitdb.js";
import { makeRunDir } from "./helpers/run-fixture.js";

const slow = process.env["ECG_HOSTILE_SLOW"] === "1";
const tmp = mkdtempSync(path.join(os.tmpdir(), "ecg-hostile-"));
const model = path.join(repoRoot, "models", "compact-kaggle.safetensors");
const total = emptyTally();
const families = new Map<string, Tally>();

let base: BaseRecord;
let clean: string;
let beatsCsv: string;

before(() => {
  if (mitdbSkip) return;
  base = baseRecord(recordPath("100"));
  clean = writeRecord(tmp, "clean", base);
  // A few labelled beats for eval: the clean record's own.
  const beats = recordBeats(clean);
  beatsCsv = path.join(tmp, "beats.csv");
  writeBeatsCsv(beatsCsv, { x: beats.x, y: beats.y, count: beats.count });
});

after(() => {
  const lines = [...families].map(([k, t]) => formatTally(k, t));
  lines.push(
    formatTally(slow ? "all (fast + slow)" : "all (fast; ECG_HOSTILE_SLOW=1 for the slow set)", total),
  );
  console.log(lines.map((l) => `hostile ${l}`).join("\n"));
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs the cases one after another, counts them, and fails with every failure listed. */
async function runAll(family: string, cases: HostileCase[]): Promise<void> {
  const t = families.get(family) ?? emptyTally();
  families.set(family, t);
  for (const c of cases) {
    const v = await judge(c);
    if (process.env["ECG_HOSTILE_VERBOSE"] === "1")
      console.log(`${c.name} → ${v.outcome} ${v.detail} (${v.result.ms.toFixed(0)} ms)`);
    count(t, c, v);
    count(total, c, v);
  }
  assert.deepEqual(t.failures, [], t.failures.join("\n"));
}

async function baselineDetect(): Promise<string> {
  const r = await runEcg({ name: "baseline", args: ["detect", "--record", clean], names: "", expect: "ok" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test("mutated headers and signals through ecg detect", { skip: mitdbSkip }, async () => {
  await runAll("wfdb", headerAndSignalCases(path.join(tmp, "wfdb"), base, await baselineDetect()));
});

test("mutated EDF and text records through ecg detect", { skip: mitdbSkip }, async () => {
  await runAll("records", recordFileCases(path.join(tmp, "records"), base, await baselineDetect()));
});

test("mutated annotation files through ecg compare --detect", { skip: mitdbSkip }, async () => {
  await runAll("annotations", annotationCases(path.join(tmp, "atr"), base));
});

test("mutated checkpoints through ecg eval", { skip: mitdbSkip || engineSkip }, async () => {
  const r = await runEcg({
    name: "baseline",
    args: ["eval", "--model", model, "--data", beatsCsv, "--json"],
    names: "",
    expect: "ok",
  });
  assert.equal(r.status, 0, r.stderr);
  const accuracy = (JSON.parse(r.stdout) as { accuracy: number }).accuracy;
  const dir = path.join(tmp, "ckpt");
  mkdirSync(dir);
  await runAll(
    "checkpoints",
    checkpointCases(dir, readFileSync(model), beatsCsv, accuracy).filter((c) => !c.slow),
  );
});

test("mutated CSVs through ecg data info", async () => {
  const dir = path.join(tmp, "csv");
  mkdirSync(dir);
  await runAll(
    "csv",
    csvCases(dir, (f) => ["data", "info", f, "--json"]),
  );
});

test("damaged runs through ecg train --resume; data-parallel faults", {
  skip: mitdbSkip || engineSkip,
}, async () => {
  const dir = path.join(tmp, "train");
  mkdirSync(dir);
  await runAll("train", await trainCases(dir));
  // A worker killed mid-run: the progress lines, then the job's ONE error line, the launcher's.
  const killed = killedWorkerCase(dir);
  const r = await runEcg(killed);
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("ecg: "));
  assert.equal(r.status, 1, r.stderr);
  assert.equal(errors.length, 1, r.stderr);
  assert.match(
    errors[0]!,
    /^ecg: error: rank 1 \(pid \d+\) was killed by SIGKILL; the other workers were stopped/,
  );
  for (const t of [families.get("train")!, total])
    count(t, killed, { outcome: "clean-error", detail: errors[0]!, result: r });
});

test("a hostile mirror through ecg data download", async () => {
  const mirror = await startMirror();
  const dests = path.join(tmp, "downloads");
  try {
    const cases = mirror.cases((name) => path.join(dests, name.replace(/[^a-z0-9]+/gi, "_")));
    for (const c of cases) {
      const dest = c.args[c.args.indexOf("--dest") + 1]!;
      c.check = () => (existsSync(path.join(dest, "a.dat")) ? undefined : "exit 0 but no a.dat");
    }
    await runAll("mirror", cases);
    // Nothing was written outside the destinations.
    assert.ok(!existsSync(path.join(dests, "escape.dat")));
    assert.ok(!existsSync("/tmp/escape.dat"));
  } finally {
    await mirror.close();
  }
});

test("outputs aimed at inputs are refused before any work", { skip: mitdbSkip }, async () => {
  const dir = path.join(tmp, "over");
  const rec = writeRecord(dir, "a", base);
  const twin = writeRecord(dir, "b", base);
  const inputs = [...recordFilesOf(rec), ...recordFilesOf(twin), model, beatsCsv];
  symlinkSync(`${rec}.dat`, path.join(dir, "link.dat"));
  linkSync(`${rec}.atr`, path.join(dir, "hard.atr"));
  const run = makeRunDir(dir, "run");
  const runFiles = ["config.json", "metrics.jsonl"].map((f) => path.join(run, f));
  // A database whose record's signal file is named like a dataset output.
  const db = path.join(dir, "db");
  mkdirSync(db);
  writeFileSync(
    path.join(db, "mitbih_train.hea"),
    readFileSync(`${rec}.hea`, "latin1")
      .replaceAll("100.dat", "mitbih_train.csv")
      .replace(/^100 /, "mitbih_train "),
  );
  writeFileSync(path.join(db, "mitbih_train.csv"), readFileSync(`${rec}.dat`));
  const refused = (name: string, args: string[], names: string): HostileCase => ({
    name: `overwrite/${name}`,
    args,
    names,
    expect: "error",
    protect: [...inputs, ...runFiles, path.join(db, "mitbih_train.csv")],
  });
  const classify = (...rest: string[]) => ["classify", "--record", rec, "--model", model, ...rest];
  const cases: HostileCase[] = [
    refused("classify --output REC.atr", classify("--output", `${rec}.atr`), "100.atr"),
    refused(
      "classify --output DIR/{record}.atr",
      classify("--output", path.join(dir, "a", "{record}.atr")),
      "100.atr",
    ),
    refused("classify --output REC.dat", classify("--output", `${rec}.dat`), "100.dat"),
    refused("classify --output REC.hea", classify("--output", `${rec}.hea`), "100.hea"),
    refused(
      "classify --output a symlink to REC.dat",
      classify("--output", path.join(dir, "link.dat")),
      "link.dat",
    ),
    refused(
      "classify --output a hard link to REC.atr",
      classify("--output", path.join(dir, "hard.atr")),
      "hard.atr",
    ),
    refused("classify --output the model", classify("--output", model), "compact-kaggle.safetensors"),
    refused(
      "classify --reference qrs --output REC.atr",
      classify("--reference", "qrs", "--output", `${rec}.atr`),
      "100.atr",
    ),
    refused(
      "classify two records named 100 into one {record}",
      [
        "classify",
        "--record",
        rec,
        "--record",
        twin,
        "--model",
        model,
        "--output",
        path.join(dir, "out", "{record}.csv"),
      ],
      "100.csv",
    ),
    refused("detect --output REC.dat", ["detect", "--record", rec, "--output", `${rec}.dat`], "100.dat"),
    refused(
      "detect --record REC.hea --output REC.atr",
      ["detect", "--record", `${rec}.hea`, "--output", `${rec}.atr`],
      "100.atr",
    ),
    refused(
      "predict --output the input",
      ["predict", "--model", model, "--input", beatsCsv, "--output", beatsCsv],
      "beats.csv",
    ),
    refused(
      "predict --output the model",
      ["predict", "--model", model, "--input", beatsCsv, "--output", model],
      "compact-kaggle",
    ),
    refused("data info --svg the CSV", ["data", "info", beatsCsv, "--svg", beatsCsv], "beats.csv"),
    refused("view --output REC.hea", ["view", "--record", rec, "--output", `${rec}.hea`], "100.hea"),
    refused(
      "report --output the run's metrics",
      ["report", run, "--output", path.join(run, "metrics.jsonl")],
      "metrics.jsonl",
    ),
    refused(
      "data build into a database whose signal file is mitbih_train.csv",
      ["data", "build", "--mitdb", db, "--out", db],
      "mitbih_train.csv",
    ),
    refused(
      "predict --output into a folder that cannot be made",
      ["predict", "--model", model, "--input", beatsCsv, "--output", `${beatsCsv}/sub/p.csv`],
      "beats.csv",
    ),
  ];
  const outDir = path.join(dir, "made", "deep");
  cases.push({
    name: "overwrite/classify a record named twice, into a folder to make",
    args: [
      "classify",
      "--record",
      rec,
      "--record",
      `${rec}.hea`,
      "--model",
      model,
      "--output",
      path.join(outDir, "{record}.csv"),
      "--json",
    ],
    names: "",
    expect: "ok",
    protect: inputs,
    check: (r: RunResult) => {
      const out = JSON.parse(r.stdout) as { record: string; beats: number };
      if (out.record !== "100" || !(out.beats > 50)) return `classified ${r.stdout.slice(0, 100)}`;
      if (!/taken once/.test(r.stderr)) return "no note of the repeated record";
      return existsSync(path.join(outDir, "100.csv")) ? undefined : "no output";
    },
  });
  await runAll("overwrite", cases);
});

test("a reader that goes away (| head) ends every command quietly", { skip: mitdbSkip }, async () => {
  const closed = (name: string, args: string[], needsEngine = false): HostileCase[] =>
    needsEngine && engineSkip
      ? []
      : [
          {
            name: `epipe/${name}`,
            args,
            names: "",
            expect: "ok",
            drive: (child) => {
              child.stdin?.end();
              child.stdout?.destroy();
            },
            check: (r) =>
              r.stderr.includes("EPIPE") ? `EPIPE on stderr: ${r.stderr.slice(0, 200)}` : undefined,
          },
        ];
  await runAll("epipe", [
    ...closed("--help", ["--help"]),
    ...closed("detect", ["detect", "--record", clean]),
    ...closed("detect --json", ["detect", "--record", clean, "--json"]),
    ...closed("compare --detect", ["compare", "--record", clean, "--detect"]),
    ...closed("data info", ["data", "info", beatsCsv, "--beats", "5"]),
    ...closed("predict", ["predict", "--model", model, "--input", beatsCsv], true),
    ...closed("eval", ["eval", "--model", model, "--data", beatsCsv], true),
    ...closed("classify", ["classify", "--record", clean, "--model", model], true),
  ]);
});

test("Ctrl-C ends a command with 130, leaving no output", { skip: mitdbSkip }, async () => {
  const mirror = await startMirror();
  try {
    const interrupted = (
      name: string,
      args: string[],
      afterMs: number,
      gone: string[] = [],
    ): HostileCase => ({
      name: `ctrl-c/${name}`,
      args,
      names: "interrupted",
      expect: "error",
      interrupt: true,
      drive: (child) => {
        child.stdin?.end();
        setTimeout(() => child.kill("SIGINT"), afterMs);
      },
      check: () => (gone.some((f) => existsSync(f)) ? `left ${gone.join(", ")}` : undefined),
    });
    // A file that stalls after its first kilobyte.
    const { args } = mirror
      .cases(() => path.join(tmp, "ctrl-c-download"))
      .find((c) => c.name === "mirror/a file that stalls (for Ctrl-C)")!;
    // All 48 records, one output each: tens of seconds of work, so the signal lands mid-run whatever
    // the machine; the records not yet done must have no output, and none may be half-written.
    const out = path.join(tmp, "ctrl-c", "{record}.csv");
    const last = path.join(tmp, "ctrl-c", "234.csv");
    await runAll("ctrl-c", [
      interrupted("data download", args, 1500, [path.join(tmp, "ctrl-c-download", "a.dat")]),
      interrupted("view --serve", ["view", "--record", clean, "--serve"], 2500),
      ...(engineSkip
        ? []
        : [
            interrupted(
              "classify",
              ["classify", "--record", mitdbDir, "--model", model, "--output", out],
              1500,
              [last],
            ),
          ]),
    ]);
  } finally {
    await mirror.close();
  }
});

test("slow set: every mutated record through classify and data build, every CSV through predict", {
  skip: !slow ? "set ECG_HOSTILE_SLOW=1 for the slow set" : mitdbSkip || engineSkip,
}, async () => {
  const baseline = await baselineDetect();
  const viaClassify = headerAndSignalCases(path.join(tmp, "slow-wfdb"), base, baseline).map((c) => {
    const rec = c.args[2]!;
    return {
      ...c,
      name: `${c.name} (classify)`,
      args: ["classify", "--record", rec, "--model", model, "--threads", "1", "--json"],
      expect: c.expect === "ok" ? ("either" as const) : c.expect,
      check: (r: RunResult) => {
        const out = JSON.parse(r.stdout) as { beats: number; counts: Record<string, number> };
        const sum = Object.values(out.counts).reduce((a, b) => a + b, 0);
        return out.beats > 0 && sum === out.beats ? undefined : `beats ${out.beats}, counts ${sum}`;
      },
    };
  });
  const viaBuild = headerAndSignalCases(path.join(tmp, "slow-build"), base, baseline).map((c) => {
    const db = path.dirname(c.args[2]!);
    const out = path.join(tmp, "slow-build-out", path.basename(db));
    return {
      ...c,
      name: `${c.name} (data build)`,
      names: "100",
      args: ["data", "build", "--mitdb", db, "--out", out],
      expect: c.expect === "ok" ? ("either" as const) : c.expect,
      check: () => {
        const set = readBeatsCsv(path.join(out, "mitbih_train.csv"));
        return set.count > 0 && set.x.every((v) => v >= 0 && v <= 1) ? undefined : "a dataset of bad beats";
      },
    };
  });
  const viaBuildAtr = annotationCases(path.join(tmp, "slow-atr"), base).map((c) => {
    const db = path.dirname(c.args[2]!);
    const out = path.join(
      tmp,
      "slow-atr-out",
      path.basename(db),
      c.args.includes("--lenient-annotations") ? "l" : "s",
    );
    return {
      ...c,
      name: `${c.name} (data build)`,
      names: "100",
      args: [
        "data",
        "build",
        "--mitdb",
        db,
        "--out",
        out,
        ...c.args.filter((a) => a === "--lenient-annotations"),
      ],
      expect: c.expect === "ok" ? ("either" as const) : c.expect,
      check: () => (readBeatsCsv(path.join(out, "mitbih_train.csv")).count > 0 ? undefined : "no beats"),
    };
  });
  const r = await runEcg({
    name: "baseline",
    args: ["eval", "--model", model, "--data", beatsCsv, "--json"],
    names: "",
    expect: "ok",
  });
  const accuracy = (JSON.parse(r.stdout) as { accuracy: number }).accuracy;
  const ckptDir = path.join(tmp, "slow-ckpt");
  mkdirSync(ckptDir);
  const viaEval = checkpointCases(ckptDir, readFileSync(model), beatsCsv, accuracy).filter((c) => c.slow);
  const csvDir = path.join(tmp, "slow-csv");
  mkdirSync(csvDir);
  const viaPredict = csvCases(
    csvDir,
    (f) => ["predict", "--model", model, "--input", f, "--threads", "1"],
    "predict",
  ).map((c) => ({
    ...c,
    // An extreme but finite beat may overflow the model: a refusal naming the file is right too.
    expect: c.expect === "ok" ? ("either" as const) : c.expect,
    check: (r: RunResult) =>
      r.stdout.startsWith("index,label,p_N") && !/NaN/.test(r.stdout) ? undefined : r.stdout.slice(0, 100),
  }));
  await runAll("slow", [...viaEval, ...viaClassify, ...viaBuild, ...viaBuildAtr, ...viaPredict]);
});

test("classify --follow: text samples on stdin in every shape, and a growing record damaged under it", {
  skip: mitdbSkip || engineSkip,
}, async () => {
  const rec = readRecord(clean);
  const samples = digitalToPhysical(rec.header.signals[0]!, rec.digital[0]!);
  const r = await runEcg({
    name: "baseline",
    args: [
      "classify",
      "--follow",
      "--record",
      "-",
      "--fs",
      "360",
      "--model",
      model,
      "--threads",
      "1",
      "--json",
    ],
    names: "",
    expect: "ok",
    drive: (child) => child.stdin?.end(sampleLines(samples)),
  });
  assert.equal(r.status, 0, r.stderr);
  const baseline = JSON.parse(r.stdout) as { beats: number; counts: Record<string, number> };
  assert.ok(baseline.beats > 50, `${baseline.beats} beats in the baseline`);
  await runAll("follow", [
    ...stdinCases(model, samples, baseline),
    ...growingCases(path.join(tmp, "growing"), model, clean),
  ]);
});

test("escape sequences in a header, an annotation file and a checkpoint reach the terminal escaped", {
  skip: mitdbSkip || engineSkip,
}, async () => {
  await runAll("terminal", terminalCases(path.join(tmp, "terminal"), base, model));
});

test("outputs that are not regular files are refused; the viewer answers GET for its own host only", {
  skip: mitdbSkip || engineSkip,
}, async () => {
  const dir = path.join(tmp, "special");
  mkdirSync(dir);
  const special = await makeSpecialFiles(dir);
  try {
    await runAll("special", [...specialFileCases(special, model, clean, beatsCsv), serveCase(clean)]);
    // Each is still what it was: refused before anything was renamed onto it.
    assert.deepEqual(special.kinds(), special.before);
  } finally {
    await special.close();
  }
});

test("ecg data download under an 8 GB address-space limit: one line, always", async () => {
  const mirror = await startMirror();
  const dests = path.join(tmp, "downloads-8g");
  try {
    const cases = mirror
      .cases((name) => path.join(dests, name.replace(/[^a-z0-9]+/gi, "_")))
      .map((c) => ({
        ...c,
        name: c.name.replace("mirror/", "mirror-8g/"),
        addressSpaceKiB: 8 * 1024 * 1024,
      }));
    for (const c of cases) {
      const dest = c.args[c.args.indexOf("--dest") + 1]!;
      c.check = () => (existsSync(path.join(dest, "a.dat")) ? undefined : "exit 0 but no a.dat");
    }
    await runAll("mirror-8g", cases);
  } finally {
    await mirror.close();
  }
});
