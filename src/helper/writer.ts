/**
 * The helper's output: each JSON-RPC message written as one frame (header
 * and body in a single write), and so is each record frame built here
 * without the connection (binary, ../protocol/framing: the records copied
 * once into the frame, nothing encoded), so that no frame can land between
 * another's header and body. Nothing is queued in this process beyond what
 * the stream holds: the stream's own writableLength is the backlog.
 */
import { AbstractMessageWriter, type Message, type MessageWriter } from 'vscode-jsonrpc';
import { encodeRecordFrame, type RecordStacks } from '../protocol';

/** A batch's frame (DEFAULT_LIMITS.maxBatchBytes of records and the frame's fields) fits a pooled buffer; larger ones (stacks) are allocated. */
const POOLED_FRAME_BYTES = (256 << 10) + (4 << 10);
/** Free frame buffers kept (about 8 MiB, half of what the backlog bound lets wait). */
const POOL_SIZE = 32;

export class FrameWriter extends AbstractMessageWriter implements MessageWriter {
  private errors = 0;

  constructor(private readonly out: NodeJS.WritableStream & { writableLength: number }) {
    super();
    out.on('error', (err: Error) => this.fireError(err, undefined, ++this.errors));
    out.on('close', () => this.fireClose());
  }

  /** Bytes written but not yet taken by the reader (0 when stdout writes through, as pipes on Linux do). */
  get backlog(): number {
    return this.out.writableLength;
  }

  write(msg: Message): Promise<void> {
    try {
      this.frame(JSON.stringify(msg), 'utf8');
      return Promise.resolve();
    } catch (err) {
      this.fireError(err, msg, ++this.errors);
      return Promise.reject(err);
    }
  }

  /**
   * A record batch as one binary frame; false (nothing written) when the
   * frame would pass the client's bound (MAX_RECORD_FRAME_BYTES): the
   * caller counts the batch as dropped. `data` may be reused once this returns.
   */
  writeRecords(sessionId: string, data: Buffer, count: number, stacks?: RecordStacks): boolean {
    let pooled: Buffer | undefined;
    const frame = encodeRecordFrame(sessionId, data, count, stacks, (bytes) => {
      if (bytes > POOLED_FRAME_BYTES) return Buffer.allocUnsafe(bytes);
      return (pooled = this.pool.pop() ?? Buffer.allocUnsafeSlow(POOLED_FRAME_BYTES));
    });
    if (!frame) return false;
    // A pooled buffer goes back once the stream is done with it: a flood's frames make no garbage.
    this.out.write(frame, pooled ? () => this.pool.length < POOL_SIZE && this.pool.push(pooled!) : undefined);
    return true;
  }

  /** Frame buffers written out and free again. */
  private readonly pool: Buffer[] = [];

  private frame(body: string, encoding: 'utf8'): void {
    const length = Buffer.byteLength(body, encoding);
    const head = `Content-Length: ${length}\r\n\r\n`;
    const frame = Buffer.allocUnsafe(head.length + length);
    frame.write(head, 0, 'latin1');
    frame.write(body, head.length, encoding);
    this.out.write(frame);
  }

  end(): void {
    /* the stream is the process's stdout: closed by exiting */
  }
}
