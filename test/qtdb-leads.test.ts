// The check: the 13 QT-database records, whose leads are not MLII (ECG1, D3, V4, CM5, V1-V2),
// go through `ecg detect`, `ecg compare --detect` and `ecg classify` with no --lead: the lead the rule
// chose is named, and QRS detection scores Se and +P of at least 99.5 % against their reference beat
// annotations (.atr: the only full beat annotation of the database; its .q1c/.pu are waveform
// boundaries of some beats), EC57's protocol.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { mitdbSkip, recordPath, repoRoot } from "./helpers/mitdb.js";
import { qtdbDir, qtdbSkip } from "./helpers/qtdb.js";

const bin = path.join(repoRoot, "bin", "ecg.js");
function ecg(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
}

/** Each record's first signal as its header names it: the lead the rule falls back on here. */
const FIRST_ECG: Record<string, string> = {
  sel14046: "ECG1",
  sel14157: "ECG1",
  sel15814: "ECG1",
  sel16795: "ECG1",
  sel308: "ECG1",
  sele0104: "D3",
  sele0114: "D3",
  sele0121: "V4",
  sele0509: "V1-V2",
};
const CM5 = ["sele0203", "sele0411", "sele0606", "sele0609"];

interface Stats {
  qrs: { se: { value: number }; ppv: { value: number } };
}

test("ecg compare --detect over the QT database, no --lead: the rule's leads, QRS Se and +P >= 99.5 %", {
  skip: qtdbSkip,
}, () => {
  const r = ecg("compare", "--detect", "--record", qtdbDir, "--json");
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    records: { record: string; lead: string; leadChoice: string; stats: Stats }[];
    gross: { stats: Stats };
  };
  assert.equal(out.records.length, 13);
  for (const rec of out.records) {
    if (CM5.includes(rec.record)) assert.deepEqual([rec.lead, rec.leadChoice], ["CM5", "V5/CM5"], rec.record);
    else
      assert.deepEqual([rec.lead, rec.leadChoice], [FIRST_ECG[rec.record], "first ECG signal"], rec.record);
    assert.ok(rec.stats.qrs.se.value >= 99, `${rec.record}: Se ${rec.stats.qrs.se.value}`);
  }
  assert.ok(out.gross.stats.qrs.se.value >= 99.5, `gross Se ${out.gross.stats.qrs.se.value}`);
  assert.ok(out.gross.stats.qrs.ppv.value >= 99.5, `gross +P ${out.gross.stats.qrs.ppv.value}`);
  // The text table names each record's lead.
  const text = ecg(
    "compare",
    "--detect",
    "--record",
    path.join(qtdbDir, "sele0509"),
    "--record",
    path.join(qtdbDir, "sele0203"),
  );
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^sele0509 V1-V2 /m);
  assert.match(text.stdout, /^sele0203 CM5 /m);
});

test("ecg classify over the QT database, no --lead: every record labelled, its lead named, QRS >= 99.5 %", {
  skip: qtdbSkip,
}, () => {
  const r = ecg("classify", "--record", qtdbDir, "--json");
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    records: { record: string; lead: string; leadChoice: string; beats: number }[];
    gross: { stats: Stats };
  };
  assert.equal(out.records.length, 13);
  for (const rec of out.records) {
    assert.equal(rec.lead, CM5.includes(rec.record) ? "CM5" : FIRST_ECG[rec.record], rec.record);
    assert.ok(rec.beats > 400, `${rec.record}: ${rec.beats} beats`);
  }
  assert.ok(out.gross.stats.qrs.se.value >= 99.5, `gross Se ${out.gross.stats.qrs.se.value}`);
  assert.ok(out.gross.stats.qrs.ppv.value >= 99.5, `gross +P ${out.gross.stats.qrs.ppv.value}`);
  const one = ecg("detect", "--record", path.join(qtdbDir, "sel14046"));
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stderr, /record sel14046: \d+ R peaks on ECG1 \(the first ECG signal\) in/);
});

test("MIT-BIH with no --lead: MLII where a record has it, V5 in 102 and 104", { skip: mitdbSkip }, () => {
  for (const [name, lead] of [
    ["100", "MLII"],
    ["102", "V5"],
    ["104", "V5"],
    ["114", "MLII"],
  ] as const) {
    const r = ecg("detect", "--record", recordPath(name), "--json");
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { lead: string; leadChoice: string };
    assert.deepEqual([out.lead, out.leadChoice], [lead, lead === "MLII" ? "MLII" : "V5/CM5"], name);
  }
});
