// Whether a process of this machine is running: decides if a lock or a temporary file left behind
// belongs to a process that died (a kill, a crash) and may be taken over or removed.

export function processIsAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
