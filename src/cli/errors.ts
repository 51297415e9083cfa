// The CLI's error types live at the bottom of the layer stack (src/errors.ts) so that readers and
// datasets can throw them without depending on the CLI.
export { UsageError, UserError } from "../errors.js";
