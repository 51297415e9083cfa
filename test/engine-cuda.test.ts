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
import { focalLoss, SEED_GAMMA } from "../src/nn/losses.js";
import { AdaBound } from "../src/nn/optim/index.js";
import { SEED_ALPHA } from "../src/vocabulary.js";
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
    // eval first: a train-mode forward updates BatchNorm's running statistics, and the GPU twin
    // runs twice (TF32 off and on)
    for (const training of [false, true]) {
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

  test("compact: focal-loss gradients on the GPU are the CPU's (float64)", () => {
    // In float32 the two devices' rounding flips the odd LeakyReLU input that sits within 1e-6 of
    // 0 after BatchNorm, and with it that element's slope: in float64 that cannot happen.
    const { cpu, gpu } = twins();
    cpu.toDtype("float64");
    gpu.toDtype("float64");
    const input = Float64Array.from(beats(32));
    const labels = Array.from({ length: 32 }, (_, i) => i % 5);
    const backward = (model: SeedNet, device: "cpu" | "cuda"): void => {
      model.train();
      model.dropout.training = false;
      tidy(() => {
        const x = Tensor.fromArray(input, [32, 1, 187]).to(device);
        const y = Tensor.int64(labels).to(device);
        focalLoss(model.forward(x), y, { alpha: SEED_ALPHA, gamma: SEED_GAMMA }).backward();
      });
    };
    backward(cpu, "cpu");
    backward(gpu, "cuda");
    // Scaled by the largest gradient of the whole network: a conv bias followed by BatchNorm has a
    // true gradient of 0, and what either device computes for it is rounding noise.
    const names = cpu.namedParameters().map(([n]) => n);
    const gpuParams = gpu.parameters();
    const grads = cpu.parameters().map((p, i) => ({
      name: names[i]!,
      cpu: p.grad!.toNumbers(),
      gpu: tidy(() => gpuParams[i]!.grad!.to("cpu").toNumbers()),
    }));
    const scale = Math.max(...grads.map((g) => Math.max(...Array.from(g.cpu, Math.abs))));
    let worst = 0;
    let worstName = "";
    for (const g of grads) {
      const d = maxAbsDiff(g.cpu, g.gpu) / scale;
      if (d > worst) [worst, worstName] = [d, g.name];
    }
    console.log(
      `gradients: max |Δ| / max |g| ${worst.toExponential(2)} (${worstName}; max |g| ${scale.toExponential(2)})`,
    );
    assert.ok(worst < 1e-9, `relative gradient difference ${worst} (${worstName})`);
    cpu.dispose();
    gpu.dispose();
  });

  test("AdaBound's fused step on the GPU is the CPU's, from the same gradients", () => {
    // loss = sum(p * g) has gradient g exactly, on either device; g spans magnitudes on both
    // sides of AdaBound's bounds. (From a network's gradients the comparison is ill-posed: the
    // first Adam-like step is ±lr·sign(g) wherever |g| is tiny, and a tiny g's sign is rounding.)
    const n = 4096;
    const p0 = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7));
    const g = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 1.3) * 10 ** ((i % 9) - 6));
    const run = (device: "cpu" | "cuda"): Float32Array => {
      const p = tidy(() => Tensor.fromArray(p0, [n]).to(device));
      p.requiresGrad = true;
      const optimizer = new AdaBound([p], { lr: 1e-3, finalLr: 0.1, amsbound: true });
      for (let step = 0; step < 3; step++) {
        optimizer.zeroGrad();
        tidy(() =>
          p
            .mul(Tensor.fromArray(g, [n]).to(device))
            .sum()
            .backward(),
        );
        optimizer.step();
      }
      const out = tidy(() => p.detach().to("cpu").toFloat32Array());
      optimizer.dispose();
      p.dispose();
      return out;
    };
    const d = maxAbsDiff(run("cpu"), run("cuda"));
    console.log(`AdaBound, 3 steps: max |Δ weight| ${d.toExponential(2)}`);
    assert.ok(d < 1e-6, `max |Δ| ${d}`);
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
