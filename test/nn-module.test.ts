import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { noGrad, Tensor } from "../src/engine/index.js";
import { StateDictError } from "../src/nn/errors.js";
import { BatchNorm1d, Conv1d, LeakyReLU, Linear, Sequential } from "../src/nn/layers.js";
import { Module } from "../src/nn/module.js";
import { Adam } from "../src/nn/optim/index.js";
import { engineSkip } from "./helpers/engine.js";

class Net extends Module {
  readonly body = this.registerModule(
    "body",
    new Sequential(new Conv1d(2, 4, 3, { groups: 2 }), new BatchNorm1d(4), new LeakyReLU()),
  );
  readonly fc = this.registerModule("fc", new Linear(4, 3));
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.body.forward(x).mean([2]));
  }
}

describe("Module", { skip: engineSkip }, () => {
  test("state-dict names compose as PyTorch's (parameters, buffers, children in order)", () => {
    const names = [...new Net().stateDict().keys()];
    assert.deepEqual(names, [
      "body.0.weight",
      "body.0.bias",
      "body.1.weight",
      "body.1.bias",
      "body.1.running_mean",
      "body.1.running_var",
      "body.1.num_batches_tracked",
      "fc.weight",
      "fc.bias",
    ]);
    const sd = new Net().stateDict();
    assert.deepEqual(sd.get("body.0.weight")!.shape, [4, 1, 3]);
    assert.equal(sd.get("body.1.num_batches_tracked")!.dtype, "int64");
    assert.deepEqual(sd.get("body.1.num_batches_tracked")!.shape, []);
  });

  test("default initialisation stays within PyTorch's bounds; BatchNorm starts at 1/0/0/1", () => {
    const conv = new Conv1d(6, 32, 5, { groups: 2 }).stateDict();
    const bound = 1 / Math.sqrt(3 * 5); // fan_in = in/groups · k
    const w = conv.get("weight")!.toNumbers();
    assert.ok(w.every((v) => Math.abs(v) <= bound));
    assert.ok(Math.max(...w.map(Math.abs)) > 0.8 * bound, "uses the whole range");
    assert.ok(
      conv
        .get("bias")!
        .toNumbers()
        .every((v) => Math.abs(v) <= bound),
    );
    const bn = new BatchNorm1d(3).stateDict();
    assert.deepEqual(bn.get("weight")!.toNumbers(), [1, 1, 1]);
    assert.deepEqual(bn.get("running_var")!.toNumbers(), [1, 1, 1]);
  });

  test("training mode counts batches; eval mode does not", () => {
    const bn = new BatchNorm1d(2);
    const x = Tensor.rand([4, 2, 5]);
    bn.forward(x);
    bn.forward(x);
    bn.eval().forward(x);
    assert.equal(bn.stateDict().get("num_batches_tracked")!.item(), 2);
  });

  test("loadStateDict copies by name and names every missing, unexpected or mis-shaped tensor", () => {
    const a = new Net();
    const b = new Net();
    b.loadStateDict(a.stateDict());
    assert.deepEqual(
      b.stateDict().get("fc.weight")!.toNumbers(),
      a.stateDict().get("fc.weight")!.toNumbers(),
    );
    const bad = new Map(a.stateDict());
    bad.delete("fc.bias");
    bad.set("fc.extra", Tensor.zeros([1]));
    bad.set("body.0.weight", Tensor.zeros([4, 2, 3]));
    assert.throws(
      () => b.loadStateDict(bad, { source: "ckpt.safetensors" }),
      (e: Error) =>
        e instanceof StateDictError &&
        /ckpt\.safetensors/.test(e.message) &&
        /missing fc\.bias/.test(e.message) &&
        /unexpected fc\.extra/.test(e.message) &&
        /mis-shaped body\.0\.weight \(expected \[4, 1, 3\], got \[4, 2, 3\]\)/.test(e.message),
    );
  });

  test("train()/eval() reach every sub-module", () => {
    const n = new Net().eval();
    assert.ok([...n.modules()].every((m) => !m.training));
    n.train();
    assert.ok([...n.modules()].every((m) => m.training));
  });

  test("layers keep their tensors in typed fields, registered under PyTorch's names", () => {
    const conv = new Conv1d(2, 4, 3);
    const sd = conv.stateDict();
    assert.equal(sd.get("weight"), conv.weight);
    assert.equal(sd.get("bias"), conv.bias);
    const bare = new Conv1d(2, 4, 3, { bias: false });
    assert.equal(bare.bias, undefined);
    assert.deepEqual([...bare.stateDict().keys()], ["weight"]);
    assert.equal(new Linear(3, 2, false).bias, undefined);
    const bn = new BatchNorm1d(3);
    assert.equal(bn.stateDict().get("running_var"), bn.runningVar);
    assert.equal(bn.stateDict().get("num_batches_tracked"), bn.numBatchesTracked);
  });

  test("toDtype moves in place: fields, state dict and an optimizer made before all see the new data", () => {
    const net = new Net();
    const weight = net.fc.weight;
    const before = weight.toNumbers();
    const optimizer = new Adam(net.parameters(), { lr: 0.1 });
    net.toDtype("float64");
    assert.equal(net.fc.weight, weight, "the field is the same Tensor");
    assert.equal(weight.dtype, "float64");
    assert.equal(net.stateDict().get("fc.weight"), weight);
    assert.ok(weight.requiresGrad && weight.isLeaf, "still a trainable leaf");
    assert.deepEqual(
      weight.toNumbers(),
      before.map((v) => Math.fround(v)),
    );
    assert.equal(net.body.stateDict().get("1.num_batches_tracked")!.dtype, "int64", "integer buffers stay");
    net.fc
      .forward(Tensor.ones([2, 4], "float64"))
      .sum()
      .backward();
    assert.equal(weight.grad!.dtype, "float64");
    optimizer.step();
    assert.ok(
      weight.toNumbers().every((v, i) => v !== before[i]),
      "the optimizer updated the field's tensor",
    );
    net.toDtype("float32");
    assert.equal(weight.dtype, "float32");
    assert.equal(weight.grad!.dtype, "float32", "the gradient moves too");
    noGrad(() => assert.deepEqual(net.fc.forward(Tensor.ones([1, 4])).shape, [1, 3]));
    optimizer.dispose();
  });
});
