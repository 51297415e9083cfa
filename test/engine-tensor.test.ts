import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  getNumThreads,
  isGradEnabled,
  keep,
  liveTensors,
  manualSeed,
  noGrad,
  setNumThreads,
  Tensor,
  tidy,
  trackedCount,
} from "../src/engine/index.js";
import { engineSkip } from "./helpers/engine.js";

describe("Tensor basics", { skip: engineSkip }, () => {
  test("float32 and int64 round trip through typed arrays with shape and dtype", () => {
    const a = Tensor.fromArray(new Float32Array([1.5, -2, 3, 4, 5, 6]), [2, 3]);
    assert.deepEqual(a.shape, [2, 3]);
    assert.equal(a.dtype, "float32");
    assert.equal(a.device, "cpu");
    assert.deepEqual(Array.from(a.toArray() as Float32Array), [1.5, -2, 3, 4, 5, 6]);
    const b = Tensor.fromArray(new BigInt64Array([1n, -7n, 9007199254740993n]));
    assert.equal(b.dtype, "int64");
    assert.deepEqual(Array.from(b.toArray() as BigInt64Array), [1n, -7n, 9007199254740993n]);
    assert.throws(() => Tensor.fromArray(new Float32Array(5), [2, 3]), /does not match shape/);
  });

  test("autograd: d/dx sum(x*x) = 2x, through libtorch", () => {
    const x = Tensor.fromArray(new Float32Array([1, 2, 3]));
    x.requiresGrad = true;
    x.mul(x).sum().backward();
    assert.deepEqual(x.grad!.toNumbers(), [2, 4, 6]);
    x.clearGrad();
    assert.equal(x.grad, null);
  });

  test("noGrad turns autograd off inside and restores it", () => {
    const x = Tensor.ones([2]);
    x.requiresGrad = true;
    const y = noGrad(() => {
      assert.equal(isGradEnabled(), false);
      return x.mul(2);
    });
    assert.equal(isGradEnabled(), true);
    assert.equal(y.requiresGrad, false);
  });

  test("tidy frees what it made, keeps what it returns, and keep() escapes it", () => {
    let inner: Tensor | undefined;
    let kept: Tensor | undefined;
    const before = trackedCount();
    const out = tidy(() => {
      inner = Tensor.ones([3]).add(1);
      kept = keep(Tensor.zeros([1]));
      return { result: inner.mul(2) };
    });
    assert.equal(inner!.isDisposed, true);
    assert.equal(kept!.isDisposed, false);
    assert.equal(out.result.isDisposed, false);
    assert.deepEqual(out.result.toNumbers(), [4, 4, 4]);
    assert.equal(trackedCount(), before);
    assert.throws(() => inner!.add(1), /used after it was disposed/);
  });

  test("tidy frees everything when fn throws", () => {
    let made: Tensor | undefined;
    assert.throws(() =>
      tidy(() => {
        made = Tensor.ones([2]);
        throw new Error("boom");
      }),
    );
    assert.equal(made!.isDisposed, true);
  });

  test("a disposed tensor's handle stays refused after its slot is reused", () => {
    const a = Tensor.ones([2]);
    a.dispose();
    const b = Tensor.zeros([2]); // likely takes a's slot, with a new generation
    assert.throws(() => a.add(1), /used after it was disposed/);
    assert.deepEqual(b.toNumbers(), [0, 0]);
    a.dispose(); // a second dispose is harmless
    assert.equal(b.isDisposed, false);
  });

  test("the garbage collector frees a tensor nobody disposed (FinalizationRegistry backstop)", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        gc();
        await yieldToEventLoop();
      }
    };
    await settle(); // let earlier tests' garbage go first
    const before = liveTensors();
    (() => {
      for (let i = 0; i < 100; i++) Tensor.ones([1000]); // outside any scope, never disposed
    })();
    assert.equal(liveTensors(), before + 100);
    await settle();
    assert.equal(liveTensors(), before);
  });

  test("manualSeed makes random draws repeatable", () => {
    manualSeed(123);
    const a = Tensor.rand([5]).toNumbers();
    manualSeed(123);
    const b = Tensor.rand([5]).toNumbers();
    assert.deepEqual(a, b);
  });

  test("thread count is settable", () => {
    const prev = getNumThreads();
    setNumThreads(1);
    assert.equal(getNumThreads(), 1);
    setNumThreads(prev);
  });

  test("an integral tensor takes an integral scalar in place (num_batches_tracked += 1)", () => {
    const n = Tensor.zeros([], "int64");
    n.add_(1).add_(1);
    assert.equal(n.item(), 2);
    assert.equal(n.dtype, "int64");
  });

  test("libtorch errors surface as one-line JS errors", () => {
    const a = Tensor.ones([2, 3]);
    const b = Tensor.ones([4, 5]);
    assert.throws(
      () => a.matmul(b),
      (e: Error) =>
        !e.message.includes("\n") &&
        /shapes cannot be multiplied|size mismatch|mat1 and mat2/.test(e.message),
    );
  });
});
