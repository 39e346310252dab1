/**
 * A guard in front of the JSON-RPC reader: every message's header is read
 * here first, and a message longer than the limit is skipped whole (never
 * buffered), so a client cannot make the root helper allocate without bound.
 * A header that is malformed or too long ends the stream (and the helper).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { HEADER_END, MAX_HEADER_BYTES, parseFrameHeader } from '../protocol/framing';

export const MAX_MESSAGE_BYTES = 1 << 20;

/**
 * The body length a header gives, or why it is refused: lines end in CRLF
 * (no bare LF or CR), each is `Name: value`, exactly one Content-Length
 * (digits), at most one Content-Type (the JSON-RPC one: a client sends no
 * record frames); nothing else.
 */
export function parseHeader(text: string): number | string {
  const parsed = parseFrameHeader(text, ['json']);
  return typeof parsed === 'string' ? parsed : parsed.length;
}

export class MessageSizeLimit extends Transform {
  private header = Buffer.alloc(0);
  /** Body bytes still to pass (>= 0) or to skip (< 0 encoded as skip). */
  private pass = 0;
  private skip = 0;

  constructor(
    private readonly onRejected: (reason: string) => void,
    private readonly max = MAX_MESSAGE_BYTES,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.pass > 0) {
        const n = Math.min(this.pass, chunk.length - at);
        this.push(chunk.subarray(at, at + n));
        this.pass -= n;
        at += n;
        continue;
      }
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      // Reading a header: up to the blank line.
      const rest = chunk.subarray(at);
      const joined = Buffer.concat([this.header, rest]);
      const end = joined.indexOf(HEADER_END);
      if (end < 0) {
        if (joined.length > MAX_HEADER_BYTES) return done(new Error(`message header longer than ${MAX_HEADER_BYTES} bytes`));
        this.header = joined;
        return done();
      }
      const headerText = joined.subarray(0, end).toString('latin1');
      const consumedFromChunk = end + HEADER_END.length - this.header.length;
      this.header = Buffer.alloc(0);
      at += consumedFromChunk;
      const parsed = parseHeader(headerText);
      if (typeof parsed === 'string') return done(new Error(`malformed message header: ${parsed}`));
      const length = parsed;
      if (length > this.max) {
        this.onRejected(`a message of ${length} bytes was dropped (limit ${this.max})`);
        this.skip = length;
      } else {
        // The reader sees a header rebuilt from what was checked, nothing else.
        this.push(Buffer.from(`Content-Length: ${length}\r\n\r\n`, 'ascii'));
        this.pass = length;
      }
    }
    done();
  }
}
