// The fixed global batch of test/distributed-ddp.test.ts (the test and its workers draw the same).
import { manualSeed, Tensor, tidy } from "../../src/engine/index.js";
import type { Module } from "../../src/nn/module.js";

/** 16 random beats and their labels (every class), the same in every process. */
export function ddpTestBatch(): { x: Tensor; y: number[] } {
  manualSeed(42);
  const x = Tensor.rand([16, 1, 187]);
  const y = Array.from({ length: 16 }, (_, i) => (i * 3) % 5);
  return { x, y };
}

/** Every parameter's gradient, flattened, in parameter order. */
export function flatGrads(model: Module): Float32Array {
  const parts = tidy(() => model.parameters().map((p) => p.grad!.toFloat32Array()));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
