// Text from a user's file made safe for a terminal: the one definition, used by the CLI's writer
// (cli/output.ts) and by the last error line (errors.ts), which is written below the CLI.

/**
 * C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI), and the bidirectional
 * overrides and isolates that reorder what a line shows.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it finds
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every character a terminal would act on written as a \uXXXX escape (valid in JSON too). */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
