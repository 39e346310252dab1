/**
 * The helper's wire framing. Both directions speak the base protocol's
 * frames (`Content-Length: N` header, blank line, N bytes), with headers
 * parsed strictly here for both ends. The helper's output has a second
 * frame kind beside JSON-RPC: a record batch, Content-Type
 * RECORDS_CONTENT_TYPE, whose body is binary (no base64, no JSON string to
 * build as root or to parse on the client):
 *
 *   offset  size  field (little-endian)
 *   0       3     magic "CTR"
 *   3       1     body version (RECORDS_BODY_VERSION)
 *   4       4     u32 count: events in the batch
 *   8       2     u16 sessionId length n (1..MAX_SESSION_ID_BYTES)
 *   10      n     sessionId, printable ASCII
 *   10+n    4     u32 stacks length m (0: none)
 *   14+n    m     stacks: RecordStacks as UTF-8 JSON
 *   14+n+m  ...   the records, in the ring buffer's framing (./records), to the end
 *
 * The client → helper direction carries JSON-RPC frames only.
 */
import type { RecordBatch, RecordStacks } from './messages';

/** A header longer than this (up to its blank line) breaks the stream. */
export const MAX_HEADER_BYTES = 8 << 10;
export const HEADER_END = Buffer.from('\r\n\r\n');

/** The base protocol's own Content-Type (the default when a header has none). */
const JSONRPC_CONTENT_TYPE = /^application\/vscode-jsonrpc;\s*charset=utf-?8$/i;
/** A record batch frame (helper → client only). */
export const RECORDS_CONTENT_TYPE = 'application/vnd.container-trace.records';

export type FrameKind = 'json' | 'records';

/**
 * JSON frames the client reads at most (file chunks, listings: all far
 * below); a length beyond it is a broken stream, not something to wait for.
 */
export const MAX_JSON_FRAME_BYTES = 64 << 20;
/**
 * Record frames at most: a batch (maxBatchBytes, 256 KiB by default) and
 * the stacks it names (bounded per batch by the helper). The helper does
 * not write a larger one (the batch is counted as dropped instead).
 */
export const MAX_RECORD_FRAME_BYTES = 16 << 20;
export const MAX_SESSION_ID_BYTES = 64;

const MAGIC = Buffer.from('CTR', 'latin1');
export const RECORDS_BODY_VERSION = 1;
/** Magic and version, count, sessionId length, stacks length. */
const FIXED_BYTES = 4 + 4 + 2 + 4;
/** The smallest record (its 8-byte ring header): bounds `count` by the bytes. */
const MIN_RECORD_BYTES = 8;

/**
 * The length and kind a frame header gives, or why it is refused: lines end
 * in CRLF (no bare LF or CR), each is `Name: value`, exactly one
 * Content-Length (digits), at most one Content-Type, which must be one of
 * `kinds` (a header without one is JSON); no other field.
 */
export function parseFrameHeader(text: string, kinds: readonly FrameKind[]): { length: number; kind: FrameKind } | string {
  if (/[^\x20-\x7e\r\n]/.test(text)) return 'characters outside printable ASCII';
  const lines = text.split('\r\n');
  if (lines.some((l) => /[\r\n]/.test(l))) return 'a bare line feed or carriage return';
  let length: number | undefined;
  let kind: FrameKind | undefined;
  for (const line of lines) {
    const m = /^([A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!m) return `"${line.slice(0, 40)}" is not a header field`;
    const name = m[1].toLowerCase();
    if (name === 'content-length') {
      if (length !== undefined) return 'more than one Content-Length';
      if (!/^\d{1,9}$/.test(m[2])) return `Content-Length "${m[2].slice(0, 20)}" is not a byte count`;
      length = Number(m[2]);
    } else if (name === 'content-type') {
      if (kind) return 'more than one Content-Type';
      kind = JSONRPC_CONTENT_TYPE.test(m[2]) ? 'json' : m[2].toLowerCase() === RECORDS_CONTENT_TYPE ? 'records' : undefined;
      if (!kind || !kinds.includes(kind)) {
        const expected = kinds.map((k) => (k === 'json' ? 'application/vscode-jsonrpc; charset=utf-8' : RECORDS_CONTENT_TYPE)).join(' or ');
        return `Content-Type "${m[2].slice(0, 60)}" is not ${expected}`;
      }
    } else {
      return `unknown header field "${m[1].slice(0, 40)}"`;
    }
  }
  if (length === undefined) return 'no Content-Length';
  return { length, kind: kind ?? 'json' };
}

/**
 * A whole record frame, header and body, in one buffer (written with one
 * write, so it never lands inside another frame): the records are copied
 * once, into it (a buffer from `alloc`, at least that long). Undefined when
 * it would be longer than MAX_RECORD_FRAME_BYTES.
 */
export function encodeRecordFrame(sessionId: string, records: Buffer, count: number, stacks?: RecordStacks, alloc: (bytes: number) => Buffer = Buffer.allocUnsafe): Buffer | undefined {
  // Session IDs are the helper's own (UUIDs): anything else is a bug here, not input.
  if (!validSessionId(sessionId)) throw new RangeError(`session ID ${JSON.stringify(sessionId.slice(0, 80))} is not 1..${MAX_SESSION_ID_BYTES} printable ASCII characters`);
  const stacksJson = stacks ? JSON.stringify(stacks) : '';
  const stacksBytes = Buffer.byteLength(stacksJson, 'utf8');
  const bodyBytes = FIXED_BYTES + sessionId.length + stacksBytes + records.length;
  const head = `Content-Length: ${bodyBytes}\r\nContent-Type: ${RECORDS_CONTENT_TYPE}\r\n\r\n`;
  if (head.length + bodyBytes > MAX_RECORD_FRAME_BYTES) return undefined;
  const frame = alloc(head.length + bodyBytes).subarray(0, head.length + bodyBytes);
  let at = frame.write(head, 0, 'latin1');
  at += MAGIC.copy(frame, at);
  at = frame.writeUInt8(RECORDS_BODY_VERSION, at);
  at = frame.writeUInt32LE(count, at);
  at = frame.writeUInt16LE(sessionId.length, at);
  at += frame.write(sessionId, at, 'latin1');
  at = frame.writeUInt32LE(stacksBytes, at);
  at += frame.write(stacksJson, at, 'utf8');
  records.copy(frame, at);
  return frame;
}

/** What a record frame adds to its records (header and fixed fields; a UUID session ID): what the helper's backlog estimate counts. */
export const RECORD_FRAME_OVERHEAD = 128;

/**
 * A record frame's body, checked: magic, version, every length within the
 * body, a printable session ID, stacks that parse as an object, a count the
 * bytes can hold. The records are a view of `body` (not copied). A string
 * says what is wrong.
 */
export function decodeRecordBody(body: Buffer): RecordBatch | string {
  if (body.length < FIXED_BYTES) return `a record frame of ${body.length} bytes is shorter than its fixed fields (${FIXED_BYTES})`;
  if (!body.subarray(0, 3).equals(MAGIC)) return `bad magic 0x${body.subarray(0, 3).toString('hex')} (expected "CTR")`;
  const version = body[3];
  if (version !== RECORDS_BODY_VERSION) return `record frame version ${version} is not ${RECORDS_BODY_VERSION}`;
  const count = body.readUInt32LE(4);
  const idBytes = body.readUInt16LE(8);
  if (idBytes === 0 || idBytes > MAX_SESSION_ID_BYTES) return `session ID length ${idBytes} is not 1..${MAX_SESSION_ID_BYTES}`;
  let at = 10;
  if (at + idBytes + 4 > body.length) return `session ID length ${idBytes} runs past the body (${body.length} bytes)`;
  const sessionId = body.toString('latin1', at, at + idBytes);
  if (!validSessionId(sessionId)) return 'session ID is not printable ASCII';
  at += idBytes;
  const stacksBytes = body.readUInt32LE(at);
  at += 4;
  if (stacksBytes > body.length - at) return `stacks length ${stacksBytes} runs past the body (${body.length - at} bytes left)`;
  let stacks: RecordStacks | undefined;
  if (stacksBytes) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8', at, at + stacksBytes));
    } catch (err) {
      return `stacks are not JSON (${(err as Error).message.slice(0, 80)})`;
    }
    if (!isRecordStacks(parsed)) return 'stacks are not an object of files, user and kernel frames';
    stacks = parsed;
    at += stacksBytes;
  }
  const records = body.subarray(at);
  if (count > Math.floor(records.length / MIN_RECORD_BYTES)) return `count ${count} is more than ${records.length} record bytes can hold`;
  return stacks ? { sessionId, count, records, stacks } : { sessionId, count, records };
}

function validSessionId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_SESSION_ID_BYTES && /^[\x21-\x7e]+$/.test(id);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The shape decoders index (files, user and kernel by key; maps optional); what lies inside is the helper's, trusted as any of its JSON answers is. */
function isRecordStacks(v: unknown): v is RecordStacks {
  return isObject(v) && isObject(v.files) && isObject(v.user) && isObject(v.kernel) && (v.maps === undefined || isObject(v.maps));
}
