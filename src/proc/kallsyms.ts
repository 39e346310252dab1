/**
 * Kernel frames by name: /proc/kallsyms (root reads its addresses; others
 * see zeros), its text symbols sorted once, then binary search. An address
 * becomes `function`+offset and its module; the address itself never leaves.
 */
import * as fs from 'node:fs';

export interface KernelSymbol {
  function: string;
  /** From the function's start. */
  offset: number;
  /** `[kernel]`, or `[<module>]`. */
  module: string;
}

/** Text symbols kept at most (a kernel has ~200k). */
const MAX_SYMBOLS = 2_000_000;

export class Kallsyms {
  private constructor(
    private readonly addrs: BigUint64Array,
    private readonly names: string[],
    private readonly modules: string[],
  ) {}

  /** The running kernel's symbols, or undefined when their addresses cannot be read (not root, kptr_restrict). */
  static load(file = '/proc/kallsyms'): Kallsyms | undefined {
    let text: string;
    try {
      text = fs.readFileSync(file, 'latin1');
    } catch {
      return undefined;
    }
    return Kallsyms.parse(text);
  }

  static parse(text: string): Kallsyms | undefined {
    const rows: { addr: bigint; name: string; module: string }[] = [];
    for (const line of text.split('\n')) {
      const m = /^([0-9a-f]+) ([tTwW]) (\S+)(?:\s+\[(\S+)\])?/.exec(line);
      if (!m) continue;
      const addr = BigInt('0x' + m[1]);
      if (addr === 0n) continue;
      rows.push({ addr, name: m[3], module: m[4] ? `[${m[4]}]` : '[kernel]' });
      if (rows.length >= MAX_SYMBOLS) break;
    }
    if (!rows.length) return undefined;
    rows.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
    return new Kallsyms(BigUint64Array.from(rows.map((r) => r.addr)), rows.map((r) => r.name), rows.map((r) => r.module));
  }

  /** The function holding `address` (the last symbol at or below it), or undefined below the first. */
  resolve(address: bigint): KernelSymbol | undefined {
    let lo = 0;
    let hi = this.addrs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.addrs[mid] <= address) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    const offset = address - this.addrs[found];
    if (offset > 1n << 24n) return undefined; // far past the last symbol: not a function of it
    return { function: this.names[found], offset: Number(offset), module: this.modules[found] };
  }
}
