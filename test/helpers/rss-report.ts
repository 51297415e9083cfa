// Loaded into a child `ecg` by the hostile-input suite (node --import): writes the process's peak
// resident memory (KiB) to $ECG_RSS_FILE when it exits, so the suite can bound each run's memory.
import { writeFileSync } from "node:fs";

const out = process.env["ECG_RSS_FILE"];
if (out !== undefined) process.on("exit", () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
