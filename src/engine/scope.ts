// Memory scopes: every tensor made inside `tidy(fn)` is freed when fn returns, except what fn
// returns and what was `keep()`-ed. Finalisation by the garbage collector is only a backstop, for
// what no scope owns: those tensors are told to V8 (`unscoped`), the scoped ones are not, so that
// activations freed deterministically do not make V8 collect at every step.

/** Anything that owns native memory and can free it now. */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
  /** Called when no scope owns it any more: its lifetime is now up to dispose() or the GC. */
  unscoped?(): void;
}

const scopes: Set<Disposable>[] = [];

/** Called by every new tensor: it belongs to the innermost open scope, if any. */
export function track(t: Disposable): void {
  const top = scopes[scopes.length - 1];
  if (top) top.add(t);
  else t.unscoped?.();
}

/** Removes t from every open scope, so it outlives them (parameters, optimizer state, caches). */
export function keep<T extends Disposable>(t: T): T {
  for (const s of scopes) s.delete(t);
  t.unscoped?.();
  return t;
}

function collect(value: unknown, out: Set<Disposable>): void {
  if (value === null || typeof value !== "object") return;
  if (isDisposable(value)) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out);
    return;
  }
  for (const v of Object.values(value)) collect(v, out);
}

function isDisposable(v: object): v is Disposable {
  return typeof (v as Partial<Disposable>).dispose === "function" && "isDisposed" in v;
}

/**
 * Runs fn and frees every tensor it created, except those in its return value, which move to the
 * enclosing scope. fn must be synchronous (a scope cannot span an await).
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) throw new Error("tidy() takes a synchronous function");
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  const kept = new Set<Disposable>();
  collect(result, kept);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (!kept.has(t)) t.dispose();
    else if (parent) parent.add(t);
    else t.unscoped?.();
  }
  return result;
}

/** Number of tensors tracked by open scopes (for tests and leak hunting). */
export function trackedCount(): number {
  let n = 0;
  for (const s of scopes) n += s.size;
  return n;
}
