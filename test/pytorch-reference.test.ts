// The PyTorch reference (tools/pytorch, run with a Python that has torch) against the TypeScript
// side: safetensors files in both directions, the model's counts and lengths as seed-model.md
// states them, and a fixture checkpoint that survives a TypeScript rewrite into PyTorch.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { readSafetensors, type SafeTensor, toFloat32Array, writeSafetensors } from "../src/nn/safetensors.js";
import { runPytorchTool, torchSkip } from "./helpers/python.js";

const dir = mkdtempSync(path.join(tmpdir(), "ecg-pytorch-"));
after(() => rmSync(dir, { recursive: true, force: true }));

interface DumpedTensor {
  dtype: string;
  shape: number[];
  values: (number | string | boolean)[];
}
interface Dump {
  metadata: Record<string, string>;
  tensors: Record<string, DumpedTensor>;
}

/** Asserts a TS tensor holds exactly the values safetensors_io.py dumped (int64 as strings, halfs as floats). */
function assertSameTensor(name: string, ts: SafeTensor, py: DumpedTensor): void {
  assert.equal(ts.dtype, py.dtype, name);
  assert.deepEqual(ts.shape, py.shape, name);
  assert.equal(ts.data.length, py.values.length, name);
  const values: (number | string | boolean)[] =
    ts.dtype === "I64"
      ? Array.from(ts.data, (v) => v.toString())
      : ts.dtype === "F16" || ts.dtype === "BF16"
        ? Array.from(toFloat32Array(ts))
        : ts.dtype === "BOOL"
          ? Array.from(ts.data, (v) => v === 1)
          : Array.from(ts.data as ArrayLike<number>);
  assert.deepEqual(values, py.values, name);
}

test("a file written by safetensors_io.py reads in TypeScript with the same names, dtypes and values", {
  skip: torchSkip,
}, () => {
  const file = path.join(dir, "from-python.safetensors");
  const dump = JSON.parse(
    runPytorchTool("safetensors_io.py", ["write-sample", file, "--json"]).stdout,
  ) as Dump;
  const ts = readSafetensors(file);
  assert.deepEqual(ts.metadata, dump.metadata);
  assert.deepEqual([...ts.tensors.keys()].sort(), Object.keys(dump.tensors).sort());
  for (const [name, py] of Object.entries(dump.tensors)) assertSameTensor(name, ts.tensors.get(name)!, py);
  const scalar = ts.tensors.get("bn.num_batches_tracked")!;
  assert.ok(scalar.dtype === "I64" && scalar.shape.length === 0 && scalar.data[0] === 42n);

  // Both writers lay a file out the same way: rewriting it in TypeScript gives the same bytes.
  const again = path.join(dir, "rewritten.safetensors");
  writeSafetensors(again, ts.tensors, ts.metadata);
  assert.deepEqual(readFileSync(again), readFileSync(file));
});

test("a file written in TypeScript reads in PyTorch with the same names, dtypes and values", {
  skip: torchSkip,
}, () => {
  const file = path.join(dir, "from-typescript.safetensors");
  // every dtype torch 1.13 has (it has no U16/U32/U64 or float8)
  const tensors = new Map<string, SafeTensor>([
    ["f64", { dtype: "F64", shape: [2, 2], data: new Float64Array([1.5, -2.25, Math.PI, 1e-300]) }],
    ["f32", { dtype: "F32", shape: [3], data: new Float32Array([0.1, -3e38, 1e-40]) }],
    ["f32.scalar", { dtype: "F32", shape: [], data: new Float32Array([0.25]) }],
    ["f32.empty", { dtype: "F32", shape: [0, 3], data: new Float32Array(0) }],
    ["f16", { dtype: "F16", shape: [3], data: new Uint16Array([0x3c00, 0xc000, 0x3555]) }],
    ["bf16", { dtype: "BF16", shape: [2], data: new Uint16Array([0x3f80, 0xc040]) }],
    ["stage1_.1.num_batches_tracked", { dtype: "I64", shape: [], data: new BigInt64Array([7n]) }],
    [
      "i64",
      {
        dtype: "I64",
        shape: [3],
        data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 9007199254740993n]),
      },
    ],
    ["i32", { dtype: "I32", shape: [2, 1, 2], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, 7]) }],
    ["i16", { dtype: "I16", shape: [2], data: new Int16Array([-32768, 32767]) }],
    ["i8", { dtype: "I8", shape: [2], data: new Int8Array([-128, 127]) }],
    ["u8", { dtype: "U8", shape: [3], data: new Uint8Array([0, 128, 255]) }],
    ["bool", { dtype: "BOOL", shape: [3], data: new Uint8Array([1, 0, 1]) }],
  ]);
  const metadata = { config: '{"dim": 8}', note: "écg ✓" };
  writeSafetensors(file, tensors, metadata);
  const dump = JSON.parse(runPytorchTool("safetensors_io.py", ["dump", file, "--json"]).stdout) as Dump;
  assert.deepEqual(dump.metadata, metadata);
  assert.deepEqual(Object.keys(dump.tensors).sort(), [...tensors.keys()].sort());
  for (const [name, ts] of tensors) assertSameTensor(name, ts, dump.tensors[name]!);
});

interface Description {
  preset: string;
  config: Record<string, number | boolean>;
  params: number;
  stateDictEntries: number;
  outputShape: number[];
  lengths: { point: string; length: number }[];
  entries?: { name: string; shape: number[]; dtype: string }[];
}

function describe(preset: string, names = false): Description {
  const args = ["--preset", preset, "--json", ...(names ? ["--names"] : [])];
  return JSON.parse(runPytorchTool("seed_model.py", args).stdout) as Description;
}

/** The distinct lengths seen at each named point of the trace. */
function lengthsAt(d: Description): Map<string, Set<number>> {
  const at = new Map<string, Set<number>>();
  for (const { point, length } of d.lengths) at.set(point, (at.get(point) ?? new Set()).add(length));
  return at;
}

test("the reference `compact` and `seed-resnext` have the spec's parameter counts and lengths", {
  skip: torchSkip,
}, () => {
  const compact = describe("compact");
  assert.equal(compact.params, 154_245);
  assert.deepEqual(compact.config, { dim: 8, repeat: 1, groups: 8, floors: 1, connection: true, classes: 5 });
  assert.deepEqual(compact.outputShape, [1, 5]);
  assert.deepEqual(
    compact.lengths.map((l) => `${l.point}:${l.length}`),
    [
      "input:187",
      "stage0:60",
      "stage1_1:60",
      "stage1_:60",
      "concat1_1:120",
      "layer1_path:60",
      "stage2_1:30",
      "stage2_:30",
      "concat2_1:60",
      "layer2_path:30",
      "stage3_1:15",
      "stage3_:15",
      "concat3_1:30",
      "layer3_path:15",
      "stage4:8",
    ],
  );

  const resnext = describe("seed-resnext");
  assert.equal(resnext.params, 54_990_661);
  const at = lengthsAt(resnext);
  assert.ok(!at.has("stage1_") && !at.has("layer1_path"), "no shortcuts or paths with the connection off");
  assert.deepEqual(
    ["stage0", "stage1_4", "stage2_1", "stage2_4", "stage3_1", "stage3_4", "stage4"].map((p) => [
      ...at.get(p)!,
    ]),
    [[60], [60], [30], [30], [15], [15], [8]],
  );
});

test("the reference `seed` has 56,494,277 parameters, 1,166 state-dict entries, the spec's names and lengths", {
  skip: torchSkip,
}, () => {
  const seed = describe("seed", true);
  assert.equal(seed.params, 56_494_277);
  assert.equal(seed.stateDictEntries, 1166);
  const at = lengthsAt(seed);
  const expected: [string, number][] = [
    ["stage0", 60],
    ["stage1_", 60],
    ["stage2_", 30],
    ["stage3_", 15],
    ["concat1_4", 120],
    ["concat2_4", 60],
    ["concat3_4", 30],
    ["layer1_path", 60],
    ["layer2_path", 30],
    ["layer3_path", 15],
    ["stage4", 8],
  ];
  for (const [point, length] of expected) assert.deepEqual([...at.get(point)!], [length], point);
  assert.equal(
    seed.lengths.filter((l) => l.point === "stage2_").length,
    4,
    "the shortcut is reused by every floor",
  );

  const entries = new Map(seed.entries!.map((e) => [e.name, e]));
  assert.equal(entries.size, 1166);
  const named: [string, number[]][] = [
    ["stage0.0.weight", [64, 1, 7]],
    ["stage1_1.0.block.3.weight", [128, 4, 3]],
    ["stage2_3.1.resize.1.running_var", [512]],
    ["stage1_.2.bias", [256]],
    ["layer3_path.3.weight", [1024, 1024, 1]],
    ["stage4.2.block.7.bias", [2048]],
    ["fc1.weight", [32, 2048]],
    ["fc2.bias", [5]],
  ];
  for (const [name, shape] of named) assert.deepEqual(entries.get(name)?.shape, shape, name);
  const counters = seed.entries!.filter((e) => e.name.endsWith(".num_batches_tracked"));
  assert.ok(counters.length > 0);
  for (const c of counters) assert.ok(c.dtype === "int64" && c.shape.length === 0, c.name);
  assert.ok(seed.entries!.every((e) => e.dtype === "int64" || e.dtype === "float32"));
});

test("a PyTorch fixture reads in TypeScript, and PyTorch accepts it back from TypeScript", {
  skip: torchSkip,
}, () => {
  const fixture = path.join(dir, "compact-fixture.safetensors");
  runPytorchTool("make_fixture.py", [
    "--preset",
    "compact",
    "--out",
    fixture,
    "--seed",
    "3",
    "--batch",
    "5",
    "--with-step",
  ]);
  const { tensors, metadata } = readSafetensors(fixture);
  assert.deepEqual(JSON.parse(metadata["config"]!), {
    dim: 8,
    repeat: 1,
    groups: 8,
    floors: 1,
    connection: true,
    classes: 5,
  });
  const stateNames = [...tensors.keys()].filter((n) => !n.startsWith("__fixture__."));
  assert.equal(stateNames.length, 186);
  // the one-step training fixture: every entry again, after one AdaBound step, plus the batch and loss
  for (const name of stateNames) assert.ok(tensors.has(`__fixture__.step.after.${name}`), name);
  const loss = tensors.get("__fixture__.step.loss")!;
  assert.ok(loss.dtype === "F32" && loss.shape.length === 0 && loss.data[0]! > 0);
  assert.equal(tensors.get("__fixture__.step.labels")?.dtype, "I64");
  const input = tensors.get("__fixture__.input")!;
  const probs = tensors.get("__fixture__.probs")!;
  assert.ok(input.dtype === "F32" && probs.dtype === "F32");
  assert.deepEqual(input.shape, [5, 1, 187]);
  assert.deepEqual(probs.shape, [5, 5]);
  assert.ok(input.data.every((v) => v >= 0 && v <= 1));
  for (let b = 0; b < 5; b++) {
    const row = probs.data.subarray(5 * b, 5 * b + 5);
    assert.ok(Math.abs(row.reduce((s, p) => s + p, 0) - 1) < 1e-5, `probs row ${b} sums to 1`);
  }

  // TS → PyTorch: rewritten by TypeScript, the checkpoint loads strictly and reproduces the probabilities.
  const rewritten = path.join(dir, "compact-from-ts.safetensors");
  writeSafetensors(rewritten, tensors, metadata);
  const check = JSON.parse(
    runPytorchTool("check_checkpoint.py", ["--checkpoint", rewritten, "--json"]).stdout,
  ) as { ok: boolean; maxAbsDiff: number; batch: number };
  assert.equal(check.ok, true);
  assert.equal(check.maxAbsDiff, 0);
  assert.equal(check.batch, 5);

  // ...and notices a changed weight or a missing entry.
  const bias = tensors.get("fc2.bias")!;
  assert.ok(bias.dtype === "F32");
  const tampered = new Map(tensors);
  // (a different shift per class: the same shift on every logit would leave softmax unchanged)
  tampered.set("fc2.bias", { dtype: "F32", shape: bias.shape, data: bias.data.map((v, i) => v + 0.5 * i) });
  writeSafetensors(rewritten, tampered, metadata);
  const bad = runPytorchTool("check_checkpoint.py", ["--checkpoint", rewritten, "--json"], {
    allowFailure: true,
  });
  assert.equal(bad.status, 1);
  assert.equal((JSON.parse(bad.stdout) as { ok: boolean }).ok, false);

  tampered.delete("stage1_.1.running_var");
  writeSafetensors(rewritten, tampered, metadata);
  const missing = runPytorchTool("check_checkpoint.py", ["--checkpoint", rewritten], { allowFailure: true });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /stage1_\.1\.running_var/);
});
