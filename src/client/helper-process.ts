/**
 * Start the helper (as a plan says), hand sudo its password on stdin when
 * asked (never a command line, never stored), and initialize the protocol.
 * Plain Node: the CLI and the extension both use it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { Initialize, PROTOCOL_VERSION, READY_BANNER, type InitializeResult } from '../protocol';
import type { HelperPlan } from './elevation';
import { connectHelper } from './helper-reader';

export interface HelperProcess {
  child: ChildProcess;
  connection: MessageConnection;
  info: InitializeResult;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  password?: string;
  client: { name: string; version: string };
  /** Each stderr line of the helper (and of sudo/pkexec). */
  onStderr?: (line: string) => void;
  timeoutMs?: number;
}

export class HelperStartError extends Error {}

export async function startHelper(plan: HelperPlan, o: StartOptions): Promise<HelperProcess> {
  if (plan.needsPassword && o.password === undefined) throw new HelperStartError('sudo needs a password for the helper');
  const child = spawn(plan.argv[0], plan.argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const spawnError = new Promise<never>((_, reject) => child.on('error', (err) => reject(new HelperStartError(`cannot run ${plan.argv[0]}: ${err.message}`))));
  spawnError.catch(() => undefined);
  let tail = '';
  let pending = '';
  let ready!: () => void;
  let refused!: (err: Error) => void;
  const readyP = new Promise<void>((r, reject) => {
    ready = r;
    refused = reject;
  });
  let passwordSent = false;
  child.stderr!.on('data', (d: Buffer) => {
    pending += d.toString();
    // The password goes to sudo only when sudo itself asks (its own prompt):
    // if it does not ask, what we would write would reach the helper.
    if (plan.needsPassword && !passwordSent && plan.sudoPrompt && pending.includes(plan.sudoPrompt)) {
      passwordSent = true;
      pending = pending.replace(plan.sudoPrompt, '');
      child.stdin!.write(`${o.password}\n`);
    }
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      tail = (tail + line + '\n').slice(-2000);
      if (line.includes(READY_BANNER)) ready();
      // sudo would ask again, reading our protocol as a password: stop now.
      if (/Sorry, try again|incorrect password attempt/i.test(line)) {
        child.kill('SIGTERM');
        refused(new HelperStartError('sudo: the password was not accepted'));
      }
      o.onStderr?.(line);
    }
  });
  const died = exited.then(({ code, signal }) => {
    const last = tail.trim().split('\n').filter(Boolean).pop() ?? '';
    if (/incorrect password|try again|Sorry/i.test(tail)) throw new HelperStartError('sudo: the password was not accepted');
    if (/Not authorized|dismissed|No authentication agent|Request dismissed/i.test(tail)) throw new HelperStartError(`pkexec: ${last}`);
    throw new HelperStartError(`the helper exited before it was ready (${signal ?? `code ${code}`}): ${last}`);
  });
  died.catch(() => undefined);
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new HelperStartError('the helper did not start in time (an authentication prompt left unanswered?)')), o.timeoutMs ?? 120_000).unref(),
  );
  try {
    if (plan.needsPassword && !plan.sudoPrompt) throw new HelperStartError('sudo -S needs a prompt to answer');
    await Promise.race([readyP, died, spawnError, timeout]);
    // A helper whose output breaks the framing fails the start with the reason (not a bare rejected request).
    let broke!: (err: Error) => void;
    const broken = new Promise<never>((_, reject) => (broke = reject));
    broken.catch(() => undefined);
    const connection = connectHelper({ stdout: child.stdout!, stdin: child.stdin! }, (err) => broke(new HelperStartError(`the helper's output is not the protocol: ${err.message}`)));
    connection.listen();
    const info = await Promise.race([
      broken,
      connection.sendRequest(Initialize, { protocolVersion: PROTOCOL_VERSION, client: o.client }),
      died,
      timeout,
    ]);
    return { child, connection, info, exited };
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
}
