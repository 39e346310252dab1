/**
 * What this host supports, line by line, each failing line with its fix:
 * the CLI's `check` and (later) the extension's system check.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { ContainerRuntime } from '../runtime';
import type { CheckItem } from '../protocol';
import { bpffsMounted, bpfObjectDir, tracefsMounted } from '../engine/system';
import { probeAttachTypes, type AttachType } from '../bpf/probe';
import { INSTALL_DIR, LAUNCHER, verifyInstalled } from '../install';
import { onPath } from '../client/elevation';
import { VERSION } from '../version';
import { podmanItems } from './podman';

export type { CheckItem } from '../protocol';
export type CheckStatus = CheckItem['status'];

const BPF_MAP_TYPE_RINGBUF = 27;

function lockdown(): string | undefined {
  try {
    return /\[(\w+)\]/.exec(fs.readFileSync('/sys/kernel/security/lockdown', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

export async function checkSystem(runtimes: ContainerRuntime[]): Promise<CheckItem[]> {
  const root = process.getuid?.() === 0;
  const kernel = kernelItems(root);
  const tracefs = kernel.find((i) => i.name === 'tracefs')?.status === 'ok';
  const [rt, podman] = await Promise.all([runtimeItems(runtimes), podmanItems()]);
  return [...kernel, ...bpfItems(root, tracefs), ...privilegeItems(), ...rt, ...podman];
}

/** The kernel, privileges, BTF, lockdown, tracefs, bpffs. */
function kernelItems(root: boolean): CheckItem[] {
  const items: CheckItem[] = [];
  const [major, minor] = os.release().split('.').map(Number);
  items.push({
    name: 'kernel',
    status: major > 5 || (major === 5 && minor >= 8) ? 'ok' : 'fail',
    detail: `Linux ${os.release()}`,
    fix: 'a kernel ≥ 5.8 is needed (ring buffer, CO-RE); upgrade the kernel',
  });
  items.push({
    name: 'privileges',
    status: root ? 'ok' : 'warn',
    detail: root ? 'running as root' : `running as uid ${process.getuid?.()}: tracing needs root`,
    fix: 'run traces as root (sudo container-trace …); the extension starts its helper with pkexec or sudo',
  });
  const btf = fs.existsSync('/sys/kernel/btf/vmlinux');
  items.push({
    name: 'BTF',
    status: btf ? 'ok' : 'fail',
    detail: btf ? '/sys/kernel/btf/vmlinux' : 'no kernel BTF',
    fix: 'use a kernel built with CONFIG_DEBUG_INFO_BTF=y (most distributions since 2021)',
  });
  const lock = lockdown();
  items.push({
    name: 'lockdown',
    status: lock === 'confidentiality' ? 'fail' : 'ok',
    detail: lock ? `lockdown=${lock}` : 'no lockdown LSM',
    fix: 'lockdown=confidentiality forbids reading kernel memory from BPF; boot with lockdown=integrity or none',
  });
  const tracefs = tracefsMounted();
  items.push({
    name: 'tracefs',
    status: tracefs ? 'ok' : root ? 'warn' : 'fail',
    detail: tracefs ? 'mounted at /sys/kernel/tracing' : 'not mounted',
    fix: 'mount -t tracefs tracefs /sys/kernel/tracing (the helper does it itself when it runs as root)',
  });
  const bpffs = bpffsMounted();
  items.push({
    name: 'bpffs',
    status: bpffs ? 'ok' : 'warn',
    detail: bpffs ? 'mounted at /sys/fs/bpf' : 'not mounted (not needed to trace)',
    fix: 'mount -t bpf bpf /sys/fs/bpf',
  });
  return items;
}

/** libbpf, the ring buffer, the compiled objects, the attach types (probed as root). */
function bpfItems(root: boolean, tracefs: boolean): CheckItem[] {
  const items: CheckItem[] = [];
  let libbpf = false;
  try {
    const { lib } = require('../bpf/native') as typeof import('../bpf/native');
    lib();
    libbpf = true;
    items.push({ name: 'libbpf', status: 'ok', detail: 'libbpf.so.1 loaded' });
    if (root) {
      const rb = lib().probeMapType(BPF_MAP_TYPE_RINGBUF, null);
      items.push({
        name: 'ring buffer',
        status: rb === 1 ? 'ok' : 'fail',
        detail: rb === 1 ? 'BPF_MAP_TYPE_RINGBUF available' : 'BPF ring buffer maps are not supported',
        fix: 'a kernel ≥ 5.8 is needed',
      });
    } else {
      items.push({ name: 'ring buffer', status: 'unknown', detail: 'probing needs root' });
    }
  } catch (err) {
    items.push({ name: 'libbpf', status: 'fail', detail: (err as Error).message, fix: 'apt-get install libbpf1' });
  }
  try {
    items.push({ name: 'BPF objects', status: 'ok', detail: bpfObjectDir() });
  } catch (err) {
    items.push({ name: 'BPF objects', status: 'fail', detail: (err as Error).message, fix: 'npm run build' });
  }
  if (root && libbpf && tracefs) {
    const fixes: Record<AttachType, string> = {
      tracepoint: 'mount tracefs; tracepoints are needed by every trace kind',
      raw_tp: 'raw tracepoints need a kernel ≥ 4.17',
      tp_btf: 'BTF tracepoints need a kernel ≥ 5.5 with BTF',
      kprobe: 'this kernel has no kprobes (CONFIG_KPROBES); no trace kind needs them',
      fentry: 'fentry needs CONFIG_DEBUG_INFO_BTF and BPF trampolines; no trace kind needs it',
      uprobe: 'the uprobe trace kind needs CONFIG_UPROBE_EVENTS',
    };
    try {
      for (const [kind, result] of probeAttachTypes()) {
        items.push({
          name: `attach: ${kind}`,
          status: result === true ? 'ok' : kind === 'tracepoint' ? 'fail' : 'warn',
          detail: result === true ? 'works' : result,
          fix: fixes[kind],
        });
      }
    } catch (err) {
      items.push({ name: 'attach types', status: 'unknown', detail: (err as Error).message });
    }
  } else {
    items.push({ name: 'attach types', status: 'unknown', detail: 'probing needs root, libbpf and tracefs' });
  }
  return items;
}

/** The installed helper, and the ways to start it as root. */
function privilegeItems(): CheckItem[] {
  const items: CheckItem[] = [];
  const installed = verifyInstalled(VERSION);
  items.push({
    name: 'helper',
    status: installed.state === 'ok' ? 'ok' : installed.state === 'tampered' ? 'fail' : 'warn',
    detail:
      installed.state === 'ok'
        ? `installed and verified (${installed.version}) in ${INSTALL_DIR}`
        : installed.state === 'missing'
          ? 'not installed: traces run the helper from the package itself as root'
          : installed.state === 'outdated'
            ? `installed ${installed.version}, this is ${installed.wanted}`
            : `installed but tampered with: ${installed.detail}; it will not run`,
    fix: 'container-trace install-helper (installs it root-owned, with a SHA-256 manifest and a polkit action)',
  });
  items.push({
    name: 'polkit (pkexec)',
    status: onPath('pkexec') ? 'ok' : 'warn',
    detail: onPath('pkexec') ? `pkexec at ${onPath('pkexec')}${process.env.DISPLAY || process.env.WAYLAND_DISPLAY ? '' : '; no desktop session here, so no agent to ask'}` : 'pkexec is not installed',
    fix: 'apt-get install pkexec polkitd (desktops), or use sudo',
  });
  items.push({
    name: 'sudo',
    status: onPath('sudo') ? 'ok' : 'warn',
    detail: onPath('sudo') ? `sudo at ${onPath('sudo')}` : 'sudo is not installed',
    fix: 'apt-get install sudo; allow the helper without a password: "<user> ALL=(root) NOPASSWD: ' + LAUNCHER + ' """',
  });
  return items;
}

/** Each runtime: reachable with its version, or why not. */
async function runtimeItems(runtimes: ContainerRuntime[]): Promise<CheckItem[]> {
  const items: CheckItem[] = [];
  for (const rt of runtimes) {
    const s = await rt.status();
    items.push({
      name: `runtime: ${s.kind}`,
      status: s.reachable ? 'ok' : 'warn',
      detail: s.reachable ? `${s.endpoint} (version ${s.version})` : s.error ?? 'unreachable',
      fix: s.reachable ? undefined : s.error,
    });
  }
  return items;
}
