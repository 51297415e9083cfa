#!/usr/bin/env node
// The longest functions of the TypeScript files under a folder, by lines from the declaration's first
// line to its closing brace (comments inside count, as a reader sees them):
//   node scripts/function-lengths.mjs [DIR=src/train] [--over N=0] [--most N=10]
// Prints `lines  file:line  name`, longest first; exits 1 when a function is over --over (when given).
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const dir = argv.find((a, i) => !a.startsWith("--") && !argv[i - 1]?.startsWith("--")) ?? "src/train";
const over = flag("over", 0);
const most = flag("most", 10);

function filesUnder(d) {
  return readdirSync(d).flatMap((f) => {
    const p = path.join(d, f);
    return statSync(p).isDirectory() ? filesUnder(p) : p.endsWith(".ts") ? [p] : [];
  });
}

function nameOf(node, source) {
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(source);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(source);
  return "(anonymous)";
}

const rows = [];
for (const file of filesUnder(dir)) {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      rows.push({ lines: last - first + 1, at: `${file}:${first + 1}`, name: nameOf(node, source) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
rows.sort((a, b) => b.lines - a.lines);
for (const r of rows.slice(0, most)) console.log(`${String(r.lines).padStart(5)}  ${r.at}  ${r.name}`);
const tooLong = over > 0 ? rows.filter((r) => r.lines > over) : [];
if (over > 0) console.log(`${tooLong.length} function(s) over ${over} lines in ${dir}`);
process.exitCode = tooLong.length > 0 ? 1 : 0;
