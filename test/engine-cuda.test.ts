// The CUDA path, where a CUDA libtorch and a GPU are present (skipped with a message elsewhere):
// the same model, step and classifier on the GPU give the CPU's numbers to float tolerance, with
// cuDNN's TF32 off (full float32); with it on (PyTorch's default, and ours) the difference is
// logged and bounded by what a 10-bit mantissa allows.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, test } from "node:test";
import { cudaIsAvailable, manualSeed, noGrad, setCudnnTf32, Tensor, tidy } from "../src/engine/index.js";
import { loadClassifier } from "../src/models/classifier.js";
import { presetConfig } from "../src/models/config.js";
import { SeedNet } from "../src/models/seed-net.js";
import { focalLoss, SEED_ALPHA, SEED_GAMMA } from "../src/nn/losses.js";
import { AdaBound } from "../src/nn/optim/index.js";
import { engineSkip, maxAbsDiff } from "./helpers/engine.js";
import { repoRoot } from "./helpers/mitdb.js";

const cudaSkip: string | false =
  engineSkip ||
  (cudaIsAvailable() ? false : "no CUDA device (a CUDA libtorch and a GPU are needed; these run on one)");

/** Two compact models with the same weights, one moved to the GPU. */
function twins(): { cpu: SeedNet; gpu: SeedNet } {
  manualSeed(3);
  const cpu = new SeedNet(presetConfig("compact"));
  const gpu = new SeedNet(presetConfig("compact"));
  gpu.loadStateDict(cpu.stateDict());
  gpu.to("cuda");
  return { cpu, gpu };
}

function beats(n: number): Float32Array {
  return Float32Array.from(
    { length: n * 187 },
    (_, i) => 0.5 + 0.4 * Math.sin(i * 0.05) * Math.cos(i * 0.0131),
  );
}

/** Runs fn with cuDNN's TF32 set as given, restoring the previous setting. */
function withTf32<T>(on: boolean, fn: () => T): T {
  const previous = setCudnnTf32(on);
  try {
    return fn();
  } finally {
    setCudnnTf32(previous);
  }
}

describe("CUDA", { skip: cudaSkip }, () => {
  test("a tensor goes to the GPU and comes back unchanged", () => {
    const x = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    const back = tidy(() => Tensor.fromArray(x, [10, 100]).to("cuda").mul(2).to("cpu").toFloat32Array());
    assert.deepEqual(
      Array.from(back),
      Array.from(x, (v) => Math.fround(v * 2)),
    );
  });

  test("compact: the GPU forward gives the CPU's logits (max |Δ| < 1e-4), train and eval mode", () => {
    const { cpu, gpu } = twins();
    const input = beats(64);
    for (const training of [true, false]) {
      if (training) {
        cpu.train();
        gpu.train();
        cpu.dropout.training = false;
        gpu.dropout.training = false;
      } else {
        cpu.eval();
        gpu.eval();
      }
      const a = tidy(() => noGrad(() => cpu.forward(Tensor.fromArray(input, [64, 1, 187])).toFloat32Array()));
      const onGpu = () =>
        tidy(() =>
          noGrad(() => gpu.forward(Tensor.fromArray(input, [64, 1, 187]).to("cuda")).toFloat32Array()),
        );
      const d = maxAbsDiff(a, withTf32(false, onGpu));
      const dTf32 = maxAbsDiff(a, withTf32(true, onGpu));
      console.log(
        `${training ? "train" : "eval"} mode: max |Δ logit| ${d.toExponential(2)} (float32), ${dTf32.toExponential(2)} (TF32)`,
      );
      assert.ok(d < 1e-4, `max |Δ| ${d} with TF32 off`);
      assert.ok(dTf32 < 5e-2, `max |Δ| ${dTf32} with TF32 on`);
    }
    cpu.dispose();
    gpu.dispose();
  });

  test("compact: one AdaBound + focal-loss step on the GPU moves the weights as on the CPU (TF32 off)", () => {
    const { cpu, gpu } = twins();
    const input = beats(32);
    const labels = Array.from({ length: 32 }, (_, i) => i % 5);
    for (const m of [cpu, gpu]) {
      m.train();
      m.dropout.training = false;
    }
    const step = (model: SeedNet, device: "cpu" | "cuda"): void => {
      const optimizer = new AdaBound(model.parameters(), { lr: 1e-3, finalLr: 0.1 });
      tidy(() => {
        const x = Tensor.fromArray(input, [32, 1, 187]).to(device);
        const y = Tensor.int64(labels).to(device);
        focalLoss(model.forward(x), y, { alpha: SEED_ALPHA, gamma: SEED_GAMMA }).backward();
        optimizer.step();
      });
      optimizer.dispose();
    };
    step(cpu, "cpu");
    withTf32(false, () => step(gpu, "cuda"));
    const after = gpu.stateDict();
    let worst = 0;
    for (const [name, t] of cpu.stateDict()) {
      const d = maxAbsDiff(
        t.toDtype("float64").toNumbers(),
        tidy(() => after.get(name)!.to("cpu").toDtype("float64").toNumbers()),
      );
      worst = Math.max(worst, d);
    }
    console.log(`after one step: max |Δ weight| ${worst.toExponential(2)}`);
    assert.ok(worst < 1e-4, `max |Δ| ${worst}`);
    cpu.dispose();
    gpu.dispose();
  });

  test("the shipped classifier gives the same probabilities on the GPU (max |Δp| < 1e-4, TF32 off)", () => {
    const file = path.join(repoRoot, "models", "compact-kaggle.safetensors");
    const onCpu = loadClassifier(file, { device: "cpu" });
    const onGpu = loadClassifier(file, { device: "cuda" });
    const input = beats(700); // more than one inference batch
    const d = maxAbsDiff(
      onCpu.predictProba(input, 700),
      withTf32(false, () => onGpu.predictProba(input, 700)),
    );
    console.log(`classifier: max |Δp| ${d.toExponential(2)}`);
    assert.ok(d < 1e-4, `max |Δp| ${d}`);
    onCpu.dispose();
    onGpu.dispose();
  });
});
