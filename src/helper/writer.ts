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
    const frame = encodeRecordFrame(sessionId, data, count, stacks);
    if (!frame) return false;
    this.out.write(frame);
    return true;
  }

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
