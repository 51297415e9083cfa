// `ecg report RUN_DIR [RUN_DIR2]`: one self-contained HTML page (config, provenance, curves, confusion heat
// map, per-class table, misclassified beats; with two runs, their validation losses on one plot).

import { UsageError } from "../../errors.js";
import { writeRunReport } from "../../report/write-report.js";
import { stringOpt } from "../args.js";
import type { Command } from "../command.js";
import { displayPath, println } from "../output.js";

export const command: Command = {
  name: "report",
  summary: "one self-contained HTML page with plots for a training run (or two, compared)",
  usage: "report RUN_DIR [RUN_DIR2] [--output FILE]",
  options: {
    output: { type: "string", short: "o" },
  },
  optionHelp: {
    output: "where to write the page (default RUN_DIR/report.html; never a file of a run)",
  },
  examples: ["ecg report runs/compact-1", "ecg report runs/seed runs/seed-resnext --output compare.html"],
  allowPositionals: true,
  async run(args) {
    const dirs = args.positionals;
    if (dirs.length === 0) throw new UsageError("give a run directory: ecg report RUN_DIR [RUN_DIR2]");
    if (dirs.length > 2) throw new UsageError(`at most two run directories, got ${dirs.length}`);
    println(displayPath(await writeRunReport(dirs, stringOpt(args, "output"))));
  },
};
