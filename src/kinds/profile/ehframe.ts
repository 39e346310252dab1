/**
 * Call frame information from an ELF file's .eh_frame (x86-64): for an
 * address, how to find its caller — the CFA (a register plus an offset),
 * where the return address and the caller's rbp were saved. What --stack
 * unwinds with when a program (or its libc) keeps no frame pointers, as
 * perf's --call-graph dwarf and every debugger do. Pure and bounded: it
 * reads only the section's bytes, checks every bound, and runs at most
 * MAX_STEPS instructions for one row; anything it does not know (a CFA by
 * expression, a register it does not track) is no row, never a guess. Runs
 * unprivileged, on bytes the helper handed over.
 */

/** DWARF register numbers on x86-64. */
export const REG_RBP = 6;
export const REG_RSP = 7;
export const REG_RA = 16;

const MAX_STEPS = 20_000;
const MAX_FDES = 1 << 20;

export class EhFrameError extends Error {}

/** How to find the caller of one address: CFA = reg + offset; the registers saved at CFA + n. */
export interface CfaRow {
  cfaReg: number;
  cfaOffset: number;
  /** Where the return address was saved, from the CFA (-8 on x86-64). */
  ra: number;
  /** Where the caller's rbp was saved, from the CFA; undefined: rbp is the same in the caller. */
  rbp?: number;
}

interface Cie {
  codeAlign: number;
  dataAlign: number;
  raReg: number;
  fdeEncoding: number;
  hasAugData: boolean;
  /** Its initial instructions: [start, end) in the section. */
  start: number;
  end: number;
}

type Rule = { kind: 'offset'; n: number } | { kind: 'same' } | { kind: 'other' };
interface State {
  cfaReg: number;
  cfaOffset: number;
  cfaExpr: boolean;
  rules: Map<number, Rule>;
}

class Reader {
  constructor(
    readonly b: Buffer,
    public at: number,
    readonly end: number,
  ) {}
  need(n: number) {
    if (this.at + n > this.end) throw new EhFrameError('call frame information cut short');
  }
  u8() {
    this.need(1);
    return this.b[this.at++];
  }
  u16() {
    this.need(2);
    const v = this.b.readUInt16LE(this.at);
    this.at += 2;
    return v;
  }
  u32() {
    this.need(4);
    const v = this.b.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  s32() {
    this.need(4);
    const v = this.b.readInt32LE(this.at);
    this.at += 4;
    return v;
  }
  u64() {
    this.need(8);
    const v = Number(this.b.readBigUInt64LE(this.at));
    this.at += 8;
    return v;
  }
  uleb() {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const c = this.u8();
      v += (c & 0x7f) * mul;
      mul *= 128;
      if (!(c & 0x80)) return v;
    }
    throw new EhFrameError('a LEB128 number too long');
  }
  sleb() {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const c = this.u8();
      v += (c & 0x7f) * mul;
      mul *= 128;
      if (!(c & 0x80)) return c & 0x40 ? v - mul : v;
    }
    throw new EhFrameError('a LEB128 number too long');
  }
  cstr() {
    const z = this.b.indexOf(0, this.at);
    if (z < 0 || z >= this.end) throw new EhFrameError('a string runs past the section');
    const s = this.b.toString('latin1', this.at, z);
    this.at = z + 1;
    return s;
  }
}

/** A DW_EH_PE_* encoded pointer; `addrOf(at)` is the address of a section offset (pcrel). */
function pointer(r: Reader, enc: number, sectionAddr: number, sectionStart: number): number {
  if (enc === 0xff) return 0;
  const fieldAddr = sectionAddr + (r.at - sectionStart);
  let v: number;
  switch (enc & 0x0f) {
    case 0x00:
    case 0x04:
      v = r.u64();
      break;
    case 0x01:
      v = r.uleb();
      break;
    case 0x02:
      v = r.u16();
      break;
    case 0x03:
      v = r.u32();
      break;
    case 0x09:
      v = r.sleb();
      break;
    case 0x0a: {
      const u = r.u16();
      v = u >= 0x8000 ? u - 0x10000 : u;
      break;
    }
    case 0x0b:
      v = r.s32();
      break;
    case 0x0c:
      v = Number(r.b.readBigInt64LE((r.need(8), r.at)));
      r.at += 8;
      break;
    default:
      throw new EhFrameError(`pointer encoding 0x${enc.toString(16)} is not known`);
  }
  switch (enc & 0x70) {
    case 0x00:
      return v;
    case 0x10:
      return v + fieldAddr;
    default:
      throw new EhFrameError(`pointer application 0x${(enc & 0x70).toString(16)} is not supported`);
  }
}

/** The .eh_frame of one file: its FDEs sorted by address, CIEs read as needed. */
export class EhFrame {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** Per FDE: its instructions [start, end) and its CIE's offset. */
  private readonly fdes: { start: number; end: number; cie: number }[] = [];
  private readonly cies = new Map<number, Cie>();

  /** `bytes`: the section's bytes; `addr`: the address the section loads at. */
  constructor(
    private readonly bytes: Buffer,
    private readonly addr: number,
  ) {
    const found: { pc: number; end: number; start: number; stop: number; cie: number }[] = [];
    let at = 0;
    while (at + 4 <= bytes.length && found.length < MAX_FDES) {
      let len = bytes.readUInt32LE(at);
      let body = at + 4;
      if (len === 0) break; // the terminator
      if (len === 0xffffffff) {
        if (at + 12 > bytes.length) break;
        len = Number(bytes.readBigUInt64LE(at + 4));
        body = at + 12;
      }
      const next = body + len;
      if (next > bytes.length || len < 4) break;
      const id = bytes.readUInt32LE(body);
      if (id !== 0) {
        // An FDE: its CIE lies `id` bytes before this field.
        const cieAt = body - id;
        try {
          const cie = this.cie(cieAt);
          const r = new Reader(bytes, body + 4, next);
          const pc = pointer(r, cie.fdeEncoding, addr, 0);
          const range = pointer(r, cie.fdeEncoding & 0x0f, addr, 0);
          if (cie.hasAugData) r.at += r.uleb();
          if (range > 0 && r.at <= next) found.push({ pc, end: pc + range, start: r.at, stop: next, cie: cieAt });
        } catch {
          /* an FDE it cannot read: that code has no row */
        }
      }
      at = next;
    }
    found.sort((a, b) => a.pc - b.pc);
    for (const f of found) {
      this.starts.push(f.pc);
      this.ends.push(f.end);
      this.fdes.push({ start: f.start, end: f.stop, cie: f.cie });
    }
  }

  get size(): number {
    return this.fdes.length;
  }

  private cie(at: number): Cie {
    const known = this.cies.get(at);
    if (known) return known;
    const b = this.bytes;
    if (at < 0 || at + 8 > b.length) throw new EhFrameError('a CIE outside the section');
    let len = b.readUInt32LE(at);
    let body = at + 4;
    if (len === 0xffffffff) {
      len = Number(b.readBigUInt64LE(at + 4));
      body = at + 12;
    }
    const end = body + len;
    if (end > b.length || b.readUInt32LE(body) !== 0) throw new EhFrameError('not a CIE');
    const r = new Reader(b, body + 4, end);
    const version = r.u8();
    if (version !== 1 && version !== 3) throw new EhFrameError(`CIE version ${version}`);
    const aug = r.cstr();
    if (aug.includes('eh')) r.u64();
    const codeAlign = r.uleb();
    const dataAlign = r.sleb();
    const raReg = version === 1 ? r.u8() : r.uleb();
    let fdeEncoding = 0;
    const hasAugData = aug.startsWith('z');
    if (hasAugData) {
      const augLen = r.uleb();
      const augEnd = r.at + augLen;
      for (const c of aug.slice(1)) {
        if (c === 'R') fdeEncoding = r.u8();
        else if (c === 'L') r.u8();
        else if (c === 'P') pointer(r, r.u8() & 0x7f, this.addr, 0);
        else if (c === 'S' || c === 'B') continue;
        else break;
      }
      r.at = augEnd;
    }
    const cie: Cie = { codeAlign, dataAlign, raReg, fdeEncoding, hasAugData, start: r.at, end };
    if (this.cies.size < 65536) this.cies.set(at, cie);
    return cie;
  }

  /** The row for `pc` (an address in the file's own numbering), or undefined. */
  row(pc: number): CfaRow | undefined {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] <= pc) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0 || pc >= this.ends[found]) return undefined;
    try {
      const fde = this.fdes[found];
      const cie = this.cie(fde.cie);
      const state: State = { cfaReg: REG_RSP, cfaOffset: 8, cfaExpr: false, rules: new Map() };
      const steps = { n: 0 };
      this.run(cie, cie.start, cie.end, state, undefined, Infinity, this.starts[found], steps);
      const initial: State = { ...state, rules: new Map(state.rules) };
      this.run(cie, fde.start, fde.end, state, initial, pc, this.starts[found], steps);
      if (state.cfaExpr || (state.cfaReg !== REG_RSP && state.cfaReg !== REG_RBP)) return undefined;
      const ra = state.rules.get(cie.raReg);
      if (!ra || ra.kind !== 'offset') return undefined;
      const bp = state.rules.get(REG_RBP);
      if (bp && bp.kind === 'other') return undefined;
      return { cfaReg: state.cfaReg, cfaOffset: state.cfaOffset, ra: ra.n, ...(bp?.kind === 'offset' ? { rbp: bp.n } : {}) };
    } catch {
      return undefined;
    }
  }

  /** Run CFA instructions in [start, end) until the location passes `pc`. */
  private run(cie: Cie, start: number, end: number, s: State, initial: State | undefined, pc: number, loc0: number, steps: { n: number }): void {
    const r = new Reader(this.bytes, start, end);
    const stack: State[] = [];
    let loc = loc0;
    const advance = (d: number) => {
      loc += d * cie.codeAlign;
      return loc > pc;
    };
    const restore = (reg: number) => {
      const was = initial?.rules.get(reg);
      if (was) s.rules.set(reg, was);
      else s.rules.delete(reg);
    };
    while (r.at < end) {
      if (++steps.n > MAX_STEPS) throw new EhFrameError('too many call frame instructions');
      const op = r.u8();
      const high = op & 0xc0;
      const low = op & 0x3f;
      if (high === 0x40) {
        if (advance(low)) return;
        continue;
      }
      if (high === 0x80) {
        s.rules.set(low, { kind: 'offset', n: r.uleb() * cie.dataAlign });
        continue;
      }
      if (high === 0xc0) {
        restore(low);
        continue;
      }
      switch (op) {
        case 0x00:
          break;
        case 0x01:
          loc = pointer(r, cie.fdeEncoding, this.addr, 0);
          if (loc > pc) return;
          break;
        case 0x02:
          if (advance(r.u8())) return;
          break;
        case 0x03:
          if (advance(r.u16())) return;
          break;
        case 0x04:
          if (advance(r.u32())) return;
          break;
        case 0x05: {
          const reg = r.uleb();
          s.rules.set(reg, { kind: 'offset', n: r.uleb() * cie.dataAlign });
          break;
        }
        case 0x06:
          restore(r.uleb());
          break;
        case 0x07:
        case 0x09:
          s.rules.set(r.uleb(), { kind: 'other' });
          if (op === 0x09) r.uleb();
          break;
        case 0x08:
          s.rules.set(r.uleb(), { kind: 'same' });
          break;
        case 0x0a:
          if (stack.length > 64) throw new EhFrameError('remember_state nested too deep');
          stack.push({ ...s, rules: new Map(s.rules) });
          break;
        case 0x0b: {
          const top = stack.pop();
          if (top) {
            s.cfaReg = top.cfaReg;
            s.cfaOffset = top.cfaOffset;
            s.cfaExpr = top.cfaExpr;
            s.rules = top.rules;
          }
          break;
        }
        case 0x0c:
          s.cfaReg = r.uleb();
          s.cfaOffset = r.uleb();
          s.cfaExpr = false;
          break;
        case 0x0d:
          s.cfaReg = r.uleb();
          s.cfaExpr = false;
          break;
        case 0x0e:
          s.cfaOffset = r.uleb();
          break;
        case 0x0f:
          s.cfaExpr = true;
          r.at += r.uleb();
          break;
        case 0x10:
        case 0x16: {
          s.rules.set(r.uleb(), { kind: 'other' });
          r.at += r.uleb();
          break;
        }
        case 0x11: {
          const reg = r.uleb();
          s.rules.set(reg, { kind: 'offset', n: r.sleb() * cie.dataAlign });
          break;
        }
        case 0x12:
          s.cfaReg = r.uleb();
          s.cfaOffset = r.sleb() * cie.dataAlign;
          s.cfaExpr = false;
          break;
        case 0x13:
          s.cfaOffset = r.sleb() * cie.dataAlign;
          break;
        case 0x14:
        case 0x15: {
          s.rules.set(r.uleb(), { kind: 'other' });
          if (op === 0x14) r.uleb();
          else r.sleb();
          break;
        }
        case 0x2e:
          r.uleb();
          break;
        case 0x2f: {
          const reg = r.uleb();
          s.rules.set(reg, { kind: 'offset', n: -r.uleb() * cie.dataAlign });
          break;
        }
        default:
          throw new EhFrameError(`call frame instruction 0x${op.toString(16)} is not known`);
      }
      if (r.at > end) throw new EhFrameError('call frame instructions cut short');
    }
  }
}
