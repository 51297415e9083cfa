// Paths shown to the user are relative to the current directory.
import path from "node:path";

export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === "" ? "." : rel;
}
