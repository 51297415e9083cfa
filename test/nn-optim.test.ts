// Optimizers against a few steps computed by hand from the algorithms' definitions (one scalar parameter).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Tensor } from "../src/engine/index.js";
import { AdaBound, Adam, AdamW, scheduledLr } from "../src/nn/optim/index.js";
import { engineSkip } from "./helpers/engine.js";

/** Runs an optimizer on f(p) = p²·c with gradients set by hand; returns p after each step. */
function run(
  make: (p: Tensor) => { step(): void; zeroGrad(): void; lr: number },
  grads: number[],
  p0: number,
  lrs?: number[],
): number[] {
  const p = Tensor.fromArray(new Float64Array([p0]), [1]);
  p.requiresGrad = true;
  const opt = make(p);
  const out: number[] = [];
  grads.forEach((g, i) => {
    if (lrs) opt.lr = lrs[i]!;
    opt.zeroGrad();
    p.mul(g).sum().backward(); // d/dp (g·p) = g
    opt.step();
    out.push(p.item());
  });
  return out;
}

/** AdaBound as the reference code computes it, in plain numbers. */
function adaboundByHand(
  grads: number[],
  p0: number,
  o: {
    lr: number;
    finalLr: number;
    beta1: number;
    beta2: number;
    gamma: number;
    eps: number;
    amsbound: boolean;
    wd: number;
  },
  lrs?: number[],
): number[] {
  let p = p0;
  let m = 0;
  let v = 0;
  let vmax = 0;
  const out: number[] = [];
  grads.forEach((g0, i) => {
    const t = i + 1;
    const lr = lrs ? lrs[i]! : o.lr;
    const g = g0 + o.wd * p;
    m = o.beta1 * m + (1 - o.beta1) * g;
    v = o.beta2 * v + (1 - o.beta2) * g * g;
    vmax = Math.max(vmax, v);
    const denom = Math.sqrt(o.amsbound ? vmax : v) + o.eps;
    const stepSize = (lr * Math.sqrt(1 - o.beta2 ** t)) / (1 - o.beta1 ** t);
    const finalLr = (o.finalLr * lr) / o.lr;
    const lo = finalLr * (1 - 1 / (o.gamma * t + 1));
    const hi = finalLr * (1 + 1 / (o.gamma * t));
    p -= Math.min(hi, Math.max(lo, stepSize / denom)) * m;
    out.push(p);
  });
  return out;
}

const close = (a: number[], b: number[], tol = 1e-12) => a.every((v, i) => Math.abs(v - b[i]!) < tol);

describe("optimizers", { skip: engineSkip }, () => {
  const grads = [0.5, -1.2, 3, 0.01, -0.3];
  const base = {
    lr: 1e-3,
    finalLr: 0.1,
    beta1: 0.9,
    beta2: 0.999,
    gamma: 1e-3,
    eps: 1e-8,
    amsbound: false,
    wd: 0,
  };

  test("AdaBound (the seed's settings) matches the reference arithmetic step by step", () => {
    const got = run((p) => new AdaBound([p], { lr: 1e-3, finalLr: 0.1 }), grads, 1);
    assert.ok(close(got, adaboundByHand(grads, 1, base)), `${got}`);
  });

  test("the bounds bind: with a large gamma the lower bound lifts tiny steps", () => {
    const o = { ...base, gamma: 10, finalLr: 0.5 };
    const got = run((p) => new AdaBound([p], { lr: 1e-3, finalLr: 0.5, gamma: 10 }), grads, 1);
    const want = adaboundByHand(grads, 1, o);
    assert.ok(close(got, want), `${got} vs ${want}`);
    const plainAdamFirst = 1 - 1e-3 * Math.sign(0.5);
    assert.ok(Math.abs(want[0]! - plainAdamFirst) > 1e-3, "bound changed the first step");
  });

  test("AMSBound, L2 weight decay, and a schedule on lr that moves the bounds", () => {
    const lrs = [1e-3, 5e-4, 2e-4, 1e-4, 5e-5];
    const o = { ...base, amsbound: true, wd: 0.1 };
    const got = run(
      (p) => new AdaBound([p], { lr: 1e-3, finalLr: 0.1, amsbound: true, weightDecay: 0.1 }),
      grads,
      1,
      lrs,
    );
    assert.ok(close(got, adaboundByHand(grads, 1, o, lrs)), `${got}`);
  });

  test("Adam and AdamW match their definitions", () => {
    const byHand = (decoupled: boolean, wd: number) => {
      let p = 1;
      let m = 0;
      let v = 0;
      return grads.map((g0, i) => {
        const t = i + 1;
        const lr = 1e-2;
        if (decoupled) p *= 1 - lr * wd;
        const g = decoupled ? g0 : g0 + wd * p;
        m = 0.9 * m + 0.1 * g;
        v = 0.999 * v + 0.001 * g * g;
        p -= ((lr / (1 - 0.9 ** t)) * m) / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** t) + 1e-8);
        return p;
      });
    };
    assert.ok(
      close(
        run((p) => new Adam([p], { lr: 1e-2, weightDecay: 0.05 }), grads, 1),
        byHand(false, 0.05),
      ),
    );
    assert.ok(
      close(
        run((p) => new AdamW([p], { lr: 1e-2, weightDecay: 0.05 }), grads, 1),
        byHand(true, 0.05),
      ),
    );
  });

  test("schedules: cosine from base to floor, warm-up, step decay", () => {
    const opts = { name: "cosine" as const, totalSteps: 100 };
    assert.equal(scheduledLr(1, 0, opts), 1);
    assert.ok(Math.abs(scheduledLr(1, 50, opts) - 0.5) < 1e-12);
    assert.ok(Math.abs(scheduledLr(1, 100, opts)) < 1e-12);
    assert.ok(Math.abs(scheduledLr(1, 0, { ...opts, warmupSteps: 10 }) - 0.1) < 1e-12);
    assert.ok(
      Math.abs(scheduledLr(1, 25, { name: "step", totalSteps: 100, stepSize: 10, gamma: 0.5 }) - 0.25) <
        1e-12,
    );
  });
});
