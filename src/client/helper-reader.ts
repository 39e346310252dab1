/**
 * The client's reader of a helper's stdout: one strict frame splitter for
 * both frame kinds (../protocol/framing). JSON-RPC frames become messages
 * for the connection; record frames are checked and handed to it as
 * trace/records notifications carrying the frame's bytes, so they keep
 * their place among the JSON messages (trace/members before the records
 * that need it, trace/ended after the last ones). A broken frame is an
 * error that closes the connection: pending requests are rejected, the
 * helper's stdin is ended (it exits on EOF), nothing more is read.
 * Everything that reads a helper's stdout connects through connectHelper.
 */
import { AbstractMessageReader, createMessageConnection, Disposable, StreamMessageWriter, type DataCallback, type Message, type MessageConnection, type MessageReader } from 'vscode-jsonrpc/node';
import {
  decodeRecordBody,
  HEADER_END,
  MAX_HEADER_BYTES,
  MAX_JSON_FRAME_BYTES,
  MAX_RECORD_FRAME_BYTES,
  parseFrameHeader,
  TraceRecords,
  type FrameKind,
} from '../protocol';

/** The stream from the helper broke the framing; the message says how. */
export class FrameError extends Error {}

const EMPTY = Buffer.alloc(0);

export class HelperMessageReader extends AbstractMessageReader implements MessageReader {
  private callback: DataCallback | undefined;
  private detach: (() => void) | undefined;
  /** Header bytes seen so far (a header split across chunks). */
  private header: Buffer = EMPTY;
  /** The frame being read: its kind, length and body so far (allocated once a body spans chunks). */
  private frame: { kind: FrameKind; length: number; body?: Buffer; filled: number } | undefined;
  private closed = false;
  /** Why the stream was refused, once it was. */
  failure: FrameError | undefined;

  constructor(private readonly readable: NodeJS.ReadableStream) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer) => this.push(chunk);
    const onError = (err: Error) => this.fireError(err);
    const onClose = () => this.close();
    this.readable.on('data', onData);
    this.readable.on('error', onError);
    this.readable.on('end', onClose);
    this.readable.on('close', onClose);
    this.detach = () => {
      this.readable.off('data', onData);
      this.readable.off('error', onError);
      this.readable.off('end', onClose);
      this.readable.off('close', onClose);
    };
    return Disposable.create(() => this.detach?.());
  }

  /** Bytes from the helper, in any chunks. Public for tests; a stream's data goes here. */
  push(chunk: Buffer): void {
    if (this.failure || this.closed) return;
    try {
      this.split(chunk);
    } catch (err) {
      this.fail(err instanceof FrameError ? err : new FrameError(`reading the helper's output failed: ${(err as Error).message}`));
    }
  }

  private split(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.failure) {
      if (this.frame) {
        const f = this.frame;
        const n = Math.min(f.length - f.filled, chunk.length - at);
        // A body inside one chunk is a view of it; one split across chunks is copied once, into its own buffer.
        if (n === f.length) f.body = chunk.subarray(at, at + n);
        else chunk.copy((f.body ??= Buffer.allocUnsafe(f.length)), f.filled, at, at + n);
        f.filled += n;
        at += n;
        if (f.filled === f.length) {
          this.frame = undefined;
          this.deliver(f.kind, f.body!);
        }
        continue;
      }
      at = this.readHeader(chunk, at);
    }
  }

  /** Reads header bytes from chunk[at..]; returns where the body starts (or the chunk's end when the header goes on). */
  private readHeader(chunk: Buffer, at: number): number {
    // Only as much of the chunk as a header may hold is looked at (never the whole rest per frame).
    const window = chunk.subarray(at, at + MAX_HEADER_BYTES + HEADER_END.length);
    const seen = this.header.length ? Buffer.concat([this.header, window]) : window;
    const end = seen.indexOf(HEADER_END);
    if (end < 0 || end > MAX_HEADER_BYTES) {
      if (seen.length > MAX_HEADER_BYTES + HEADER_END.length - 1) throw new FrameError(`a frame header is longer than ${MAX_HEADER_BYTES} bytes`);
      this.header = Buffer.from(seen);
      return chunk.length;
    }
    const bodyAt = at + end + HEADER_END.length - this.header.length;
    const parsed = parseFrameHeader(seen.toString('latin1', 0, end), ['json', 'records']);
    this.header = EMPTY;
    if (typeof parsed === 'string') throw new FrameError(`malformed frame header: ${parsed}`);
    const max = parsed.kind === 'records' ? MAX_RECORD_FRAME_BYTES : MAX_JSON_FRAME_BYTES;
    if (parsed.length > max) throw new FrameError(`a ${parsed.kind === 'records' ? 'record' : 'JSON'} frame of ${parsed.length} bytes is longer than ${max}`);
    if (parsed.length === 0) throw new FrameError('an empty frame');
    this.frame = { kind: parsed.kind, length: parsed.length, filled: 0 };
    return bodyAt;
  }

  private deliver(kind: FrameKind, body: Buffer): void {
    if (kind === 'records') {
      const batch = decodeRecordBody(body);
      if (typeof batch === 'string') throw new FrameError(`malformed record frame: ${batch}`);
      this.callback?.({ jsonrpc: '2.0', method: TraceRecords.method, params: batch } as Message);
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new FrameError(`a JSON frame that does not parse (${(err as Error).message.slice(0, 80)})`);
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new FrameError('a JSON frame that is not a message object');
    // Record batches come only as binary frames: their handler takes bytes, never a JSON string.
    if ((message as { method?: unknown }).method === TraceRecords.method) throw new FrameError(`${TraceRecords.method} as JSON (it only comes as a record frame)`);
    this.callback?.(message as Message);
  }

  private fail(err: FrameError): void {
    this.failure = err;
    this.frame = undefined;
    this.header = EMPTY;
    this.detach?.();
    this.fireError(err);
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fireClose();
  }
}

export interface HelperStreams {
  stdout: NodeJS.ReadableStream & { destroy?: () => void };
  stdin: NodeJS.WritableStream;
}

/**
 * A JSON-RPC connection (not yet listening) to a helper on its stdio:
 * HelperMessageReader on stdout, JSON frames to stdin. `onBroken` hears why
 * when the helper's output broke the framing (the connection is disposed
 * right after, the helper's stdin ended).
 */
export function connectHelper(streams: HelperStreams, onBroken?: (err: FrameError) => void): MessageConnection {
  const reader = new HelperMessageReader(streams.stdout);
  const connection = createMessageConnection(reader, new StreamMessageWriter(streams.stdin));
  reader.onError((err) => {
    if (err !== reader.failure) return;
    // After the connection's own error listeners heard it: end it, so nothing waits for an answer.
    onBroken?.(reader.failure);
    connection.dispose();
    streams.stdin.end();
    streams.stdout.destroy?.();
  });
  return connection;
}
