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
import { FrameArena, type ArenaFrame } from './frame-arena';
import { DEFAULT_LIMITS } from '../engine/delivery';

/**
 * Bytes of record frames the arena holds at once: the backlog bound and two of the largest
 * batches' frames (records and the frame's fields) beside it. A frame that finds no room
 * (JSON-RPC messages count in the backlog too) gets a buffer of its own.
 */
const ARENA_BYTES = DEFAULT_LIMITS.maxQueuedBytes + 2 * (DEFAULT_LIMITS.maxBatchBytes + (4 << 10));

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
    let carved: ArenaFrame | undefined;
    const frame = encodeRecordFrame(sessionId, data, count, stacks, (bytes) => (carved = this.arena.alloc(bytes))?.buffer ?? Buffer.allocUnsafe(bytes));
    if (!frame) return false;
    // The arena's space comes back once the stream is done with the frame: a flood's frames make no garbage.
    this.out.write(frame, carved?.release);
    return true;
  }

  /** Record frames are built here: each holds its own bytes until written out. */
  private readonly arena = new FrameArena(ARENA_BYTES);

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
