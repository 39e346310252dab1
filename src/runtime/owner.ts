/** Who owns a host process: a user's own runtime is believed only about that user's processes. */
import { ProcFs } from '../proc/procfs';

const proc = new ProcFs();

/** Whether the host process `pid` runs with real uid `uid` (a rootless container's root maps to its user). */
export function ownedBy(pid: number, uid: number): boolean {
  const st = proc.status(pid);
  return !!st && st.uid === uid;
}
