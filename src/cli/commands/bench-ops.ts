// `ecg bench ops`: the per-call overhead of a tiny operation, optionally beside PyTorch's Python API.
import { measureOpOverhead } from "../../bench/op-overhead.js";
import { boolOpt, numberOpt } from "../args.js";
import type { Command } from "../command.js";
import { printJson, println } from "../output.js";

export const command: Command = {
  name: "bench ops",
  summary: "per-call overhead of a tiny op (tensor + scalar) in µs, optionally beside PyTorch",
  usage: "bench ops [--calls 100000] [--rounds 5] [--pytorch] [--json]",
  options: {
    calls: { type: "string" },
    rounds: { type: "string" },
    pytorch: { type: "boolean" },
    json: { type: "boolean" },
  },
  optionHelp: {
    calls: "calls per round (default 100000)",
    rounds: "rounds; the median is reported (default 5)",
    pytorch: "time the same op in PyTorch's Python API (a = torch.ones(1); a.add(1))",
    json: "one JSON document on stdout",
  },
  examples: ["ecg bench ops --pytorch"],
  async run(args) {
    const r = measureOpOverhead(
      numberOpt(args, "calls", 100_000, { integer: true, min: 1000 }),
      numberOpt(args, "rounds", 5, { integer: true, min: 1 }),
      boolOpt(args, "pytorch"),
    );
    if (boolOpt(args, "json")) {
      printJson(r);
      return;
    }
    println(`a.add(1) on a 1-element tensor, median of rounds of ${r.calls} calls`);
    println(`  ecg-beats  ${r.oursMicros.toFixed(2)} µs/op`);
    if (r.pytorchMicros !== undefined && r.ratio !== undefined) {
      println(`  PyTorch    ${r.pytorchMicros.toFixed(2)} µs/op`);
      println(`  ratio      ${r.ratio.toFixed(2)}× PyTorch's time per op`);
    }
  },
};
