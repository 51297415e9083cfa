// `ecg report RUN_DIR [RUN_DIR2]`: one self-contained HTML page (config, provenance, curves, confusion heat
// map, per-class table, misclassified beats with their record and time; with two runs, their validation
// losses on one plot); with --views, the viewer pages those beats link to.
import { UsageError } from "../../errors.js";
import { writeRunReport } from "../../report/write-report.js";
import { stringOpt } from "../args.js";
import type { Command } from "../command.js";
import { displayPath, info, println } from "../output.js";
import { ProgressBar } from "../progress.js";

export const command: Command = {
  name: "report",
  summary: "one self-contained HTML page with plots for a training run (or two, compared)",
  usage: "report RUN_DIR [RUN_DIR2] [--output FILE] [--views MITDB_DIR]",
  options: {
    output: { type: "string", short: "o" },
    views: { type: "string" },
  },
  optionHelp: {
    output: "where to write the page (default RUN_DIR/report.html; never a file of a run)",
    views:
      "the records' directory (MIT-BIH): also write the viewer page of each record the misclassified beats " +
      "come from, labelled by the run's best checkpoint, into views/ beside the page, and link each beat to it",
  },
  examples: [
    "ecg report runs/compact-1",
    "ecg report runs/ip-adv0.1-s1 --views data/mitdb",
    "ecg report runs/seed runs/seed-resnext --output compare.html",
  ],
  allowPositionals: true,
  async run(args) {
    const dirs = args.positionals;
    if (dirs.length === 0) throw new UsageError("give a run directory: ecg report RUN_DIR [RUN_DIR2]");
    if (dirs.length > 2) throw new UsageError(`at most two run directories, got ${dirs.length}`);
    const output = stringOpt(args, "output");
    const views = stringOpt(args, "views");
    // The bar once the number of pages is known (only with --views, and only in a terminal).
    let bar: ProgressBar | undefined;
    let file: string;
    try {
      file = await writeRunReport(dirs, {
        ...(output !== undefined ? { output } : {}),
        ...(views !== undefined ? { views } : {}),
        onView: (done, total) => {
          bar ??= new ProgressBar({ label: "viewer pages", total, unit: "records" });
          bar.update(done);
        },
        onNote: info,
      });
    } finally {
      bar?.finish();
    }
    println(displayPath(file));
  },
};
