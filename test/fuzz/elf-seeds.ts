/**
 * Seeds of the ELF fuzzer: real binaries of this machine (busybox, libc, a
 * dynamic program, the test workload when built), the crafted hostile files,
 * and each real binary with one header field made hostile.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { almostNamedElf, endlessNamesElf, entsizeOneElf, tinyElf } from '../support/hostile-elf';

const REAL = ['/bin/busybox', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libc.so.6', '/usr/bin/ls', 'build/ct-target'];

/** The real binaries found here (paths relative to `repo` for the workload). */
export function realBinaries(repo: string): string[] {
  const found = REAL.map((p) => (p.startsWith('/') ? p : path.join(repo, p))).filter((p) => fs.existsSync(p));
  return [...new Map(found.map((p) => [fs.realpathSync(p), p])).values()];
}

interface Header {
  at: number;
  type: number;
}

function sectionHeaders(b: Buffer): Header[] {
  if (b.length < 64) return [];
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shnum = b.readUInt16LE(0x3c);
  const out: Header[] = [];
  for (let i = 0; i < shnum && shoff + (i + 1) * 64 <= b.length; i++) out.push({ at: shoff + i * 64, type: b.readUInt32LE(shoff + i * 64 + 4) });
  return out;
}

/** One copy of `b` per hostile change of a header field. */
export function mutations(b: Buffer): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  const edit = (name: string, f: (c: Buffer, hs: Header[]) => void) => {
    const c = Buffer.from(b);
    f(c, sectionHeaders(c));
    out.push([name, c]);
  };
  const tables = (hs: Header[]) => hs.filter((h) => h.type === 2 || h.type === 11);
  edit('entsize-1', (c, hs) => tables(hs).forEach((h) => c.writeBigUInt64LE(1n, h.at + 56)));
  edit('entsize-0', (c, hs) => tables(hs).forEach((h) => c.writeBigUInt64LE(0n, h.at + 56)));
  edit('link-self', (c, hs) => tables(hs).forEach((h) => c.writeUInt32LE(hs.indexOf(h), h.at + 40)));
  edit('size-huge', (c, hs) => tables(hs).forEach((h) => c.writeBigUInt64LE(0xffffffffffff0000n, h.at + 32)));
  edit('offset-past-end', (c, hs) => tables(hs).forEach((h) => c.writeBigUInt64LE(BigInt(c.length), h.at + 24)));
  edit('strtab-as-symtab', (c, hs) => hs.filter((h) => h.type === 3).forEach((h) => c.writeUInt32LE(2, h.at + 4)));
  edit('shnum-max', (c) => c.writeUInt16LE(0xffff, 0x3c));
  edit('phnum-xnum', (c) => c.writeUInt16LE(0xffff, 0x38));
  edit('shentsize-1', (c) => c.writeUInt16LE(1, 0x3a));
  out.push(['truncated', b.subarray(0, b.length >> 1)]);
  out.push(['header-only', b.subarray(0, 64)]);
  return out;
}

/** Write the seeds into `dir` (made); their names. */
export function writeSeeds(dir: string, repo: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const seeds: [string, Buffer][] = [
    ['tiny', tinyElf([{ name: 'main', address: 0x401000n }, { name: 'malloc', address: 0x401100n }, { name: 'ct_work', address: 0x401200n }])],
    ['entsize-one', entsizeOneElf(1 << 20)],
    ['endless-names', endlessNamesElf(20_000, 64 << 10)],
    ['almost-named', almostNamedElf('ct_work', 20_000)],
  ];
  for (const real of realBinaries(repo)) {
    const b = fs.readFileSync(real);
    const base = path.basename(real);
    seeds.push([base, b], ...mutations(b).map(([m, c]): [string, Buffer] => [`${base}-${m}`, c]));
  }
  for (const [name, data] of seeds) fs.writeFileSync(path.join(dir, name), data);
  return seeds.map(([n]) => n);
}
