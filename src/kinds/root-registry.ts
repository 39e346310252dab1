/**
 * Every kind's root part, one line each (src/kinds/<kind>/root.ts): what
 * the helper and the root CLI load, attach and read. The compiler checks
 * the registry against the list of kind names (src/protocol/events.ts).
 * Root side only: the extension never imports it (its clients read
 * ./client-registry).
 */
import type { RootKinds } from './root-part';
import exec from './exec/root';
import exit from './exit/root';
import open from './open/root';
import signal from './signal/root';
import tcp from './tcp/root';
import syscalls from './syscalls/root';
import uprobe from './uprobe/root';
import proctree from './proctree/root';
import bind from './bind/root';
import profile from './profile/root';
import dns from './dns/root';
import oomkill from './oomkill/root';
import syscall from './syscall/root';

export const ROOT_KINDS: RootKinds = { exec, exit, open, signal, tcp, syscalls, uprobe, proctree, bind, profile, dns, oomkill, syscall };
