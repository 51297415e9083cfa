// Mutated heartbeat CSVs (Kaggle format) for the hostile-input suite, read by `ecg data info --json`
// (and, in the slow set, by `ecg predict`).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { BEAT_LENGTH } from "../../src/vocabulary.js";
import type { HostileCase, RunResult } from "./hostile.js";

/** `rows` rows of BEAT_LENGTH values in [0, 1] and a label 0..4. */
export function cleanRows(rows: number): string[] {
  return Array.from({ length: rows }, (_, r) => {
    const cells = Array.from({ length: BEAT_LENGTH }, (_, j) => ((Math.sin(r + j / 9) + 1) / 2).toFixed(6));
    return `${cells.join(",")},${r % 5}`;
  });
}

function infoCheck(rows: number) {
  return (r: RunResult): string | undefined => {
    try {
      const info = JSON.parse(r.stdout) as { count: number };
      return info.count === rows ? undefined : `count ${info.count}, expected ${rows}`;
    } catch {
      return `not JSON: ${r.stdout.slice(0, 100)}`;
    }
  };
}

export function csvCases(dir: string, command: (file: string) => string[], prefix = "csv"): HostileCase[] {
  const cases: HostileCase[] = [];
  const rows = cleanRows(6);
  const add = (name: string, text: string | Buffer, expect: HostileCase["expect"], count = 6): void => {
    const file = path.join(dir, `${prefix}${cases.length}_${name.replace(/[^a-z0-9]+/gi, "_")}.csv`);
    writeFileSync(file, text);
    cases.push({
      name: `${prefix}/${name}`,
      args: command(file),
      names: path.basename(file),
      expect,
      check: infoCheck(count),
      protect: [file],
    });
  };
  const withCell = (cell: string, row = 2, col = 5): string =>
    rows
      .map((r, i) => {
        if (i !== row) return r;
        const c = r.split(",");
        c[col] = cell;
        return c.join(",");
      })
      .join("\n");
  add("clean", `${rows.join("\n")}\n`, "ok");
  for (const cell of [
    "1e39",
    "-1e39",
    "3.5e38",
    "1e400",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "",
    " ",
    "0x10",
    "1e",
    "--1",
    "1.2.3",
    '"0.5"',
    "½",
  ])
    add(`cell '${cell}'`, withCell(cell), "error");
  for (const cell of ["1e-5", "+0.5", ".5", "5.", " 0.5 ", "3.4e38"])
    add(`cell '${cell}' (a number)`, withCell(cell), "ok");
  for (const label of ["5", "-1", "1.5", "255", "1e39"])
    add(`label ${label}`, withCell(label, 1, BEAT_LENGTH), "error");
  add("186 columns", rows.map((r) => r.split(",").slice(2).join(",")).join("\n"), "error");
  add("189 columns", rows.map((r) => `${r},0`).join("\n"), "error");
  add("one short row", rows.map((r, i) => (i === 3 ? "0.1,0.2" : r)).join("\n"), "error");
  add("CRLF line ends", `${rows.join("\r\n")}\r\n`, "ok");
  add("CR line ends (old Mac)", `${rows.join("\r")}\r`, "ok");
  add("CR line ends and blank lines", `\r${rows.join("\r\r")}\r\r`, "ok");
  add("mixed line ends", rows.map((r, i) => `${r}${["\n", "\r\n", "\r"][i % 3]}`).join(""), "ok");
  add("cell of 400 digits (0.5)", withCell(`0.5${"0".repeat(398)}`), "ok");
  add("cell of 400 digits (1/3)", withCell(`0.${"3".repeat(398)}`), "ok");
  add("cell 5e-400 (0 in float32)", withCell("5e-400"), "ok");
  add("cell of 400 digits, an integer", withCell(`1${"0".repeat(399)}`), "error");
  add("cell with an escape sequence", withCell("\u001b]0;owned\u0007\u001b[2J0.5"), "error");
  add("blank lines", `\n${rows.join("\n\n")}\n\n`, "ok");
  add("no final newline", rows.join("\n"), "ok");
  add("a UTF-8 BOM", `\ufeff${rows.join("\n")}`, "error");
  add(
    "a text header row",
    `${Array.from({ length: BEAT_LENGTH + 1 }, (_, i) => `c${i}`).join(",")}\n${rows.join("\n")}`,
    "error",
  );
  add("empty file", "", "error");
  add("only newlines", "\n\n\n", "error");
  add("binary", Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff)), "error");
  add("one 4 MB line", "0.5,".repeat(1_000_000), "error");
  add("semicolons", rows.map((r) => r.replaceAll(",", ";")).join("\n"), "error");
  add("a trailing comma", rows.map((r) => `${r},`).join("\n"), "error");
  return cases;
}
