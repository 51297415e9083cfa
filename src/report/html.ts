// Small HTML building blocks shared by the report and the viewer: escaping, tables, the page shell.

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** JSON safe to put inside a <script> element: no "</script>" or "<!--" can close or confuse it. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** A cell: plain text (escaped) or trusted HTML. */
export type Cell = string | number | { html: string };

function cellHtml(c: Cell): string {
  if (typeof c === "number") return escapeHtml(String(c));
  if (typeof c === "string") return escapeHtml(c);
  return c.html;
}

export function table(head: Cell[], rows: Cell[][], attrs = ""): string {
  const th = head.map((h) => `<th>${cellHtml(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${cellHtml(c)}</td>`).join("")}</tr>`).join("\n");
  return `<table${attrs ? ` ${attrs}` : ""}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A two-column key/value table. */
export function keyValueTable(rows: [string, Cell][], attrs = ""): string {
  const body = rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${cellHtml(v)}</td></tr>`);
  return `<table class="kv"${attrs ? ` ${attrs}` : ""}><tbody>\n${body.join("\n")}\n</tbody></table>`;
}

export function percent(x: number | undefined, digits = 2): string {
  return x === undefined || !Number.isFinite(x) ? "—" : `${(x * 100).toFixed(digits)} %`;
}

export function fixed(x: number | undefined, digits = 4): string {
  return x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(digits);
}

export const BASE_CSS = `
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 0 auto; padding: 16px 24px 48px;
  max-width: 1280px; color: #222; background: #fff; font-size: 14px; line-height: 1.4; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th { background: #f5f5f5; font-weight: 600; }
td:first-child, th[scope=row] { text-align: left; }
table.kv td { text-align: left; }
.muted { color: #777; }
.note { color: #666; font-style: italic; }
.plots { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure { margin: 0; }
figure svg { display: block; max-width: 100%; height: auto; }
code { background: #f4f4f4; padding: 0 3px; border-radius: 3px; }
`;

export function page(title: string, body: string, extraCss = "", script = ""): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${BASE_CSS}${extraCss}</style>
</head>
<body>
${body}
${script}
</body>
</html>
`;
}
