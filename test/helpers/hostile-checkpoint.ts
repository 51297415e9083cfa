// Mutated checkpoints (safetensors) for the hostile-input suite: the shipped compact model with its
// weights, dtypes, shapes, config or bytes damaged, each scored with `ecg eval` on a few beats.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { memberTensorName } from "../../src/models/ensemble.js";
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from "../../src/nn/safetensors.js";
import type { HostileCase, RunResult } from "./hostile.js";

type Tensors = Map<string, SafeTensor>;
type Meta = Record<string, string>;

interface Mutation {
  tensors?: (t: Tensors, meta: Meta) => void;
  bytes?: (b: Buffer) => Buffer;
}

function f32(t: Tensors, name: string): Float32Array {
  const e = t.get(name)!;
  if (e.dtype !== "F32") throw new Error(`${name} is ${e.dtype}`);
  return e.data;
}

/** The same bytes under another dtype name (F32 bytes declared as I32, say). */
function relabel(t: Tensors, name: string, dtype: "I32" | "U32"): void {
  const e = t.get(name)!;
  const data = dtype === "I32" ? new Int32Array(e.data.buffer) : new Uint32Array(e.data.buffer);
  t.set(name, { dtype, shape: e.shape, data } as SafeTensor);
}

function scale(a: Float32Array, by: number): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! * by;
}

function headerLength(b: Buffer, length: bigint): Buffer {
  b.writeBigUInt64LE(length, 0);
  return b;
}

function config(meta: Meta, change: (c: Record<string, unknown>) => void): void {
  const c = JSON.parse(meta["config"]!) as Record<string, unknown>;
  change(c);
  meta["config"] = JSON.stringify(c);
}

/** An eval report that is whole: finite accuracy and macro-F1 in [0, 1]. */
function reportCheck(baselineAccuracy?: number) {
  return (r: RunResult): string | undefined => {
    let report: { accuracy: number; macroF1: number };
    try {
      report = JSON.parse(r.stdout) as { accuracy: number; macroF1: number };
    } catch {
      return `not JSON: ${r.stdout.slice(0, 100)}`;
    }
    if (!(report.accuracy >= 0 && report.accuracy <= 1) || !(report.macroF1 >= 0 && report.macroF1 <= 1))
      return `accuracy ${report.accuracy}, macro-F1 ${report.macroF1}`;
    if (baselineAccuracy !== undefined && Math.abs(report.accuracy - baselineAccuracy) > 1e-9)
      return `accuracy ${report.accuracy}, the clean model's is ${baselineAccuracy}`;
    return undefined;
  };
}

/** The cases of the issue that found these failures run in the fast set; the rest in the slow one. */
const FAST = new Set([
  "fc2.weight NaN",
  "conv bias Infinity",
  "running_mean minus Infinity",
  "running_var NaN",
  "running_var negative",
  "fc2.weight F32 bytes declared I32",
  "num_batches_tracked as F32",
  "weights as F64 (exact)",
  "fc2.weight transposed",
  "a tensor missing",
  "config floors=10000000",
  "config floors=2",
  "config dim=1000000000",
  "config floors 16, repeat 16, dim 1024",
  "config absent (the preset inferred)",
  "cut in the data",
  "config members=2",
  "an ensemble of two copies (exact)",
  "an ensemble, NaN in its second member",
]);

export function checkpointCases(
  dir: string,
  baseFile: Buffer,
  beatsCsv: string,
  baselineAccuracy: number,
): HostileCase[] {
  const cases: HostileCase[] = [];
  const fileOf = (name: string): string => path.join(dir, `${name.replace(/[^a-z0-9]+/gi, "_")}.safetensors`);
  const add = (
    name: string,
    m: Mutation,
    expect: HostileCase["expect"],
    names: string,
    same = false,
  ): void => {
    const file = fileOf(name);
    let bytes = baseFile;
    if (m.tensors) {
      const { tensors, metadata } = decodeSafetensors(baseFile);
      m.tensors(tensors, metadata);
      bytes = Buffer.from(encodeSafetensors(tensors, metadata));
    }
    if (m.bytes) bytes = m.bytes(Buffer.from(bytes));
    writeFileSync(file, bytes);
    cases.push({
      name: `checkpoint/${name}`,
      args: ["eval", "--model", file, "--data", beatsCsv, "--json", "--threads", "1"],
      names,
      expect,
      check: reportCheck(same ? baselineAccuracy : undefined),
      protect: [file, beatsCsv],
      slow: !FAST.has(name),
    });
  };
  const file = (name: string): string => path.basename(fileOf(name));
  const err = (name: string, m: Mutation, names?: string) => add(name, m, "error", names ?? file(name));
  // Values.
  for (const [what, v] of [
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["minus Infinity", Number.NEGATIVE_INFINITY],
  ] as const) {
    err(`fc2.weight ${what}`, {
      tensors: (t) => {
        f32(t, "fc2.weight")[7] = v;
      },
    });
    err(`conv bias ${what}`, {
      tensors: (t) => {
        f32(t, "stage0.0.bias")[0] = v;
      },
    });
    err(`running_mean ${what}`, {
      tensors: (t) => {
        f32(t, "stage0.1.running_mean")[2] = v;
      },
    });
    err(`running_var ${what}`, {
      tensors: (t) => {
        f32(t, "stage0.1.running_var")[2] = v;
      },
    });
  }
  err("running_var negative", {
    tensors: (t) => {
      f32(t, "stage1_1.0.block.1.running_var")[0] = -1e-3;
    },
  });
  add(
    "weights x1e30 (finite, overflowing)",
    { tensors: (t) => scale(f32(t, "fc1.weight"), 1e30) },
    "either",
    file("weights x1e30 (finite, overflowing)"),
  );
  add(
    "running_var zero (finite)",
    { tensors: (t) => void f32(t, "stage0.1.running_var").fill(0) },
    "either",
    file("running_var zero (finite)"),
  );
  // Dtypes.
  err("fc2.weight F32 bytes declared I32", { tensors: (t) => relabel(t, "fc2.weight", "I32") });
  err("conv weight F32 bytes declared U32", { tensors: (t) => relabel(t, "stage0.0.weight", "U32") });
  err("num_batches_tracked as F32", {
    tensors: (t) => {
      const e = t.get("stage0.1.num_batches_tracked")!;
      t.set("stage0.1.num_batches_tracked", { dtype: "F32", shape: e.shape, data: new Float32Array([1]) });
    },
  });
  add(
    "weights as F64 (exact)",
    {
      tensors: (t) => {
        for (const [k, e] of t)
          if (e.dtype === "F32") t.set(k, { dtype: "F64", shape: e.shape, data: Float64Array.from(e.data) });
      },
    },
    "ok",
    "",
    true,
  );
  // Shapes and names.
  err("fc2.weight transposed", {
    tensors: (t) => {
      t.get("fc2.weight")!.shape = [32, 5];
    },
  });
  err("a tensor missing", { tensors: (t) => void t.delete("stage2_1.0.block.3.weight") });
  err("an unexpected tensor", {
    tensors: (t) => void t.set("stage9.weight", { dtype: "F32", shape: [1], data: new Float32Array(1) }),
  });
  add(
    "an extra __ tensor",
    { tensors: (t) => void t.set("__note", { dtype: "U8", shape: [1], data: new Uint8Array(1) }) },
    "ok",
    "",
    true,
  );
  // The config.
  for (const [k, v] of [
    ["floors", 1e7],
    ["floors", 2],
    ["dim", 1e9],
    ["dim", 16],
    ["dim", 0],
    ["repeat", -1],
    ["groups", 3],
    ["classes", 0],
    ["classes", 6],
    ["dim", 8.5],
    ["dim", "8"],
  ] as const)
    err(`config ${k}=${JSON.stringify(v)}`, {
      tensors: (_t, m) =>
        config(m, (c) => {
          c[k] = v;
        }),
    });
  // Ensembles (config.members; tensors members.K.<name>).
  for (const v of [2, 1000, 0])
    err(`config members=${v}`, {
      tensors: (_t, m) =>
        config(m, (c) => {
          c["members"] = v;
        }),
    });
  const asEnsemble = (t: Tensors, m: Meta): void => {
    for (const [k, e] of [...t]) {
      if (k.startsWith("__")) continue;
      t.delete(k);
      for (const i of [0, 1]) t.set(memberTensorName(i, k), { ...e, data: e.data.slice() } as SafeTensor);
    }
    config(m, (c) => {
      c["members"] = 2;
    });
  };
  add("an ensemble of two copies (exact)", { tensors: asEnsemble }, "ok", "", true);
  err(
    "an ensemble, NaN in its second member",
    {
      tensors: (t, m) => {
        asEnsemble(t, m);
        f32(t, "members.1.fc2.weight")[3] = Number.NaN;
      },
    },
    "members.1.fc2.weight",
  );
  err("config floors 16, repeat 16, dim 1024", {
    tensors: (_t, m) =>
      config(m, (c) => Object.assign(c, { floors: 16, repeat: 16, dim: 1024, groups: 2048 })),
  });
  err("config not JSON", {
    tensors: (_t, m) => {
      m["config"] = "{dim: 8";
    },
  });
  err("config an array", {
    tensors: (_t, m) => {
      m["config"] = "[8, 1, 8]";
    },
  });
  add("config absent (the preset inferred)", { tensors: (_t, m) => void delete m["config"] }, "ok", "", true);
  err("provenance not JSON", {
    tensors: (_t, m) => {
      m["provenance"] = "{";
    },
  });
  err("classes count 4", {
    tensors: (_t, m) => {
      m["classes"] = "N,S,V,F";
    },
  });
  // Bytes.
  err("empty file", { bytes: () => Buffer.alloc(0) });
  err("7 bytes", { bytes: (b) => b.subarray(0, 7) });
  err("cut in the header", { bytes: (b) => b.subarray(0, 200) });
  err("cut in the data", { bytes: (b) => b.subarray(0, b.length - 1000) });
  err("header length 2^63", { bytes: (b) => headerLength(b, 2n ** 63n) });
  err("header length 0", { bytes: (b) => headerLength(b, 0n) });
  err("header not JSON", { bytes: (b) => b.fill(0x41, 8, 20) });
  err("a trailing byte", { bytes: (b) => Buffer.concat([b, Buffer.alloc(1)]) });
  err("a CSV, not a checkpoint", { bytes: () => Buffer.from("0.1,0.2,0.3\n") });
  err("dtype F128", { bytes: (b) => Buffer.from(b.toString("latin1").replace('"F32"', '"F128"'), "latin1") });
  err("shape [1e15]", {
    bytes: (b) =>
      Buffer.from(b.toString("latin1").replace('"shape":[5,32]', '"shape":[1000000000000000,32]'), "latin1"),
  });
  return cases;
}
