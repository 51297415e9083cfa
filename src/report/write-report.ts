// `ecg report` as one service: reads the run directories, builds the page, writes it (by default into
// the first run's directory) and returns where. The page never goes over a file of a run it reads.
import path from "node:path";
import { writeFileOrFail } from "../atomic-file.js";
import { displayPath } from "../display-path.js";
import { UserError } from "../errors.js";
import { readRunDir } from "../run-dir/read.js";
import { REPORT_FILE, RUN_FILE_NAMES } from "../run-dir/schema.js";
import { buildReportHtml } from "./report.js";

export async function writeRunReport(dirs: readonly string[], output?: string): Promise<string> {
  const runs = dirs.map((d) => ({ run: readRunDir(d), shownPath: displayPath(path.resolve(d)) }));
  const file = path.resolve(output ?? path.join(runs[0]!.run.dir, REPORT_FILE));
  for (const { run } of runs) {
    if (path.dirname(file) === run.dir && RUN_FILE_NAMES.includes(path.basename(file)))
      throw new UserError(
        `${displayPath(file)}: a file of the run it reports on; choose another --output`,
        file,
      );
  }
  const html = await buildReportHtml(runs);
  writeFileOrFail(file, html, "report", displayPath(file));
  return file;
}
