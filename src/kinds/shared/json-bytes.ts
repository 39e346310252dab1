/**
 * JSON lines written as bytes straight from records (the CLI's --json under
 * a flood): fixed text copied from encoded buffers, numbers written digit by
 * digit, ASCII strings copied from the record, so an event leaves no string
 * and no object behind (no garbage per event). A record that holds anything
 * needing escaping or UTF-8 decoding is refused (the writer is rolled back)
 * and the caller decodes it. The lines are exactly eventJson's: a unit test
 * holds them equal.
 */

/** Where a record writer writes: a growing buffer, reused from batch to batch. */
export class JsonBytes {
  buf: Buffer;
  at = 0;

  constructor(buf: Buffer) {
    this.buf = buf;
  }

  /** Room for `n` more bytes (the buffer doubles, keeping what is written). */
  room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  /** Encoded text (see ascii()). */
  raw(b: Buffer): void {
    const n = b.length;
    this.room(n);
    if (n > 64) {
      this.at += b.copy(this.buf, this.at);
      return;
    }
    // Short text byte by byte: a native copy costs more than it moves.
    const out = this.buf;
    let to = this.at;
    for (let i = 0; i < n; i++) out[to++] = b[i];
    this.at = to;
  }

  /** One byte. */
  byte(c: number): void {
    this.room(1);
    this.buf[this.at++] = c;
  }

  /** A non-negative integer below 2^53, in decimal. */
  uint(n: number): void {
    this.room(16);
    if (n < 10) {
      this.buf[this.at++] = 0x30 + n;
      return;
    }
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    const end = this.at + digits;
    let x = n;
    for (let p = end; p > this.at; x = Math.floor(x / 10)) this.buf[--p] = 0x30 + (x % 10);
    this.at = end;
  }

  /** An integer (|n| below 2^53), in decimal. */
  int(n: number): void {
    if (n < 0) {
      this.byte(0x2d);
      this.uint(-n);
    } else this.uint(n);
  }

  /** `n` as exactly `width` digits, zeros first (n below 10^width). */
  padded(n: number, width: number): void {
    this.room(width);
    for (let p = this.at + width - 1; p >= this.at; p--, n = Math.floor(n / 10)) this.buf[p] = 0x30 + (n % 10);
    this.at += width;
  }

  /**
   * The C string at `start` (at most `max` bytes, to its NUL) copied as it
   * is, when it is ASCII with nothing JSON escapes; false otherwise (what it
   * wrote is left for the caller to roll back).
   */
  plain(bytes: Buffer, start: number, max: number): boolean {
    this.room(max);
    const stop = start + max;
    const out = this.buf;
    let to = this.at;
    for (let i = start; i < stop; i++) {
      const c = bytes[i];
      if (c === 0) break;
      if (c < 0x20 || c > 0x7f || c === 0x22 || c === 0x5c) return false;
      out[to++] = c;
    }
    this.at = to;
    return true;
  }
}

/** Text of ours (field names, kinds' constants) as bytes, once. */
export const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Encoded JSON of values decoders share (a cached flags array, a label): written once each, by identity. */
const encoded = new WeakMap<object, Buffer>();
export function encodedJson(v: object, json: () => string): Buffer {
  let b = encoded.get(v);
  if (b === undefined) encoded.set(v, (b = Buffer.from(json(), 'utf8')));
  return b;
}
