// Checkpoints cross the language boundary both ways: PyTorch-written fixtures (tools/pytorch) give the
// same probabilities here, a TypeScript-written checkpoint gives the same ones in PyTorch, and one
// training step (BatchNorm in train mode, focal loss, backward, AdaBound) lands on PyTorch's weights.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { noGrad, Tensor, tidy } from "../src/engine/index.js";
import {
  loadCheckpoint,
  loadSingleCheckpoint,
  safeFromTensor,
  saveCheckpoint,
  tensorFromSafe,
} from "../src/models/checkpoint.js";
import { loadClassifier } from "../src/models/classifier.js";
import { presetConfig } from "../src/models/config.js";
import { Ensemble } from "../src/models/ensemble.js";
import { SeedNet } from "../src/models/seed-net.js";
import { focalLoss } from "../src/nn/losses.js";
import { AdaBound } from "../src/nn/optim/index.js";
import { readSafetensors, toFloat32Array } from "../src/nn/safetensors.js";
import { engineSkip, maxAbsDiff } from "./helpers/engine.js";
import { runPytorchTool, torchSkip } from "./helpers/python.js";

const tmp = mkdtempSync(path.join(tmpdir(), "ecg-pytorch-"));
const skip = engineSkip || torchSkip;

function fixture(preset: string, extra: string[]): string {
  const file = path.join(tmp, `${preset}-${extra.join("")}.safetensors`);
  runPytorchTool("make_fixture.py", ["--preset", preset, "--out", file, ...extra]);
  return file;
}

describe("PyTorch ↔ ecg-beats checkpoints", { skip }, () => {
  for (const [preset, args] of [
    ["compact", ["--batch", "8"]],
    ["compact-rr", ["--batch", "8"]],
    ["seed", ["--batch", "2", "--train-steps", "1", "--train-batch", "2"]],
  ] as const) {
    test(`a PyTorch-written ${preset} checkpoint gives PyTorch's probabilities (max |Δ| < 1e-4), plain and BN-folded`, () => {
      const file = fixture(preset, [...args]);
      const { tensors } = readSafetensors(file);
      const input = tensors.get("__fixture__.input")!;
      const rhythm = tensors.get("__fixture__.rhythm");
      assert.equal(rhythm !== undefined, preset === "compact-rr", "rhythm features in the fixture");
      const expected = toFloat32Array(tensors.get("__fixture__.probs")!);
      const { model, info } = loadCheckpoint(file);
      assert.deepEqual(info.config, presetConfig(preset), "PyTorch writes the same config JSON");
      model.eval();
      const probs = tidy(() =>
        noGrad(() =>
          model
            .forward(tensorFromSafe(input), rhythm ? tensorFromSafe(rhythm) : undefined)
            .softmax(1)
            .toFloat32Array(),
        ),
      );
      model.dispose();
      const d = maxAbsDiff(probs, expected);
      console.log(`${preset}: max |Δp| plain ${d.toExponential(2)}`);
      assert.ok(d < 1e-4, `max |Δp| = ${d}`);
      const c = loadClassifier(file);
      const folded = c.predictProba(
        toFloat32Array(input),
        input.shape[0]!,
        rhythm ? { rhythm: toFloat32Array(rhythm) } : {},
      );
      c.dispose();
      const df = maxAbsDiff(folded, expected);
      console.log(`${preset}: max |Δp| folded ${df.toExponential(2)}`);
      assert.ok(df < 1e-4, `folded: max |Δp| = ${df}`);
    });
  }

  test("a TypeScript-written checkpoint gives the same probabilities in PyTorch (atol 1e-5)", () => {
    const net = new SeedNet(presetConfig("compact"));
    for (let i = 0; i < 3; i++) net.forward(Tensor.rand([16, 1, 187]));
    net.eval();
    const x = Tensor.rand([6, 1, 187]);
    const probs = noGrad(() => net.forward(x).softmax(1));
    const file = path.join(tmp, "from-ts.safetensors");
    saveCheckpoint(file, net, {
      extras: new Map([
        ["__fixture__.input", safeFromTensor(x)],
        ["__fixture__.probs", safeFromTensor(probs)],
      ]),
    });
    const ok = runPytorchTool("check_checkpoint.py", ["--checkpoint", file, "--atol", "1e-5"], {
      allowFailure: true,
    });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    // the rhythm preset too, its features beside the beats
    const rr = new SeedNet(presetConfig("compact-rr"));
    const rhythm = Tensor.rand([16, 8]).add(0.2);
    for (let i = 0; i < 3; i++) rr.forward(Tensor.rand([16, 1, 187]), rhythm);
    rr.eval();
    const rrFile = path.join(tmp, "from-ts-rr.safetensors");
    const r6 = rhythm.narrow(0, 0, 6);
    saveCheckpoint(rrFile, rr, {
      extras: new Map([
        ["__fixture__.input", safeFromTensor(x)],
        ["__fixture__.rhythm", safeFromTensor(r6)],
        ["__fixture__.probs", safeFromTensor(noGrad(() => rr.forward(x, r6).softmax(1)))],
      ]),
    });
    const rrOk = runPytorchTool("check_checkpoint.py", ["--checkpoint", rrFile, "--atol", "1e-5"], {
      allowFailure: true,
    });
    assert.equal(rrOk.status, 0, rrOk.stdout + rrOk.stderr);
    // an ensemble of two (members.K.* in PyTorch's nn.ModuleList), the mean of their probabilities
    const ensemble = new Ensemble({ ...presetConfig("compact-rr"), members: 2 });
    for (let i = 0; i < 3; i++) ensemble.forward(Tensor.rand([16, 1, 187]), rhythm); // moves the BN statistics
    ensemble.eval();
    const ensembleFile = path.join(tmp, "from-ts-ensemble.safetensors");
    saveCheckpoint(ensembleFile, ensemble, {
      extras: new Map([
        ["__fixture__.input", safeFromTensor(x)],
        ["__fixture__.rhythm", safeFromTensor(r6)],
        ["__fixture__.probs", safeFromTensor(noGrad(() => ensemble.forward(x, r6).softmax(1)))],
      ]),
    });
    const ensembleOk = runPytorchTool(
      "check_checkpoint.py",
      ["--checkpoint", ensembleFile, "--atol", "1e-5"],
      {
        allowFailure: true,
      },
    );
    assert.equal(ensembleOk.status, 0, ensembleOk.stdout + ensembleOk.stderr);
    // and a wrong one is caught
    const wrong = path.join(tmp, "wrong.safetensors");
    saveCheckpoint(wrong, net, {
      extras: new Map([
        ["__fixture__.input", safeFromTensor(x)],
        ["__fixture__.probs", safeFromTensor(probs.add(1e-3))],
      ]),
    });
    assert.equal(
      runPytorchTool("check_checkpoint.py", ["--checkpoint", wrong, "--atol", "1e-5"], { allowFailure: true })
        .status,
      1,
    );
  });

  test("one training step (train-mode BN, focal loss, backward, AdaBound) matches PyTorch's", () => {
    const file = fixture("compact", ["--batch", "2", "--with-step", "--train-batch", "16"]);
    const { tensors } = readSafetensors(file);
    const { model } = loadSingleCheckpoint(file);
    model.train();
    model.dropout.training = false; // the fixture's step has dropout off (its mask cannot be matched)
    const optimizer = new AdaBound(model.parameters(), { lr: 1e-3, finalLr: 0.1 });
    const get = (n: string) => tensorFromSafe(tensors.get(`__fixture__.step.${n}`)!);
    const logits = model.forward(get("input"));
    const loss = focalLoss(logits, get("labels"), { alpha: [0.15, 0.75, 0.65, 0.75, 0.25], gamma: 2 });
    assert.ok(
      maxAbsDiff(logits.toFloat32Array(), toFloat32Array(tensors.get("__fixture__.step.logits")!)) < 1e-4,
    );
    assert.ok(
      Math.abs(loss.item() - get("loss").item()) < 1e-5,
      `loss ${loss.item()} vs ${get("loss").item()}`,
    );
    loss.backward();
    optimizer.step();
    let worst = 0;
    let worstName = "";
    for (const [name, t] of model.stateDict()) {
      const want = tensors.get(`__fixture__.step.after.${name}`);
      assert.ok(want, `fixture lacks ${name}`);
      const d = maxAbsDiff(t.toDtype("float64").toNumbers(), Array.from(toFloat32Array(want)));
      if (d > worst) [worst, worstName] = [d, name];
    }
    console.log(`after one step: max |Δ| ${worst.toExponential(2)}${worstName ? ` (${worstName})` : ""}`);
    // the step really moved the weights (so agreement is not agreement on a no-op)
    const before = toFloat32Array(tensors.get("stage1_1.0.block.3.weight")!);
    const after = model.stateDict().get("stage1_1.0.block.3.weight")!.toFloat32Array();
    assert.ok(maxAbsDiff(before, after) > 1e-5, "the step changed stage1_1.0.block.3.weight");
    assert.ok(worst < 1e-5, `${worstName}: ${worst}`);
  });
});
