/**
 * The helper's output: each JSON-RPC message written as one frame (header
 * and body in a single write), so frames built here without the connection
 * (trace/records: base64 records spliced into a template, no object graph
 * and no JSON.stringify of a large string) can never land between another
 * message's header and body. Nothing is queued in this process beyond what
 * the stream holds: the stream's own writableLength is the backlog.
 */
import { AbstractMessageWriter, type Message, type MessageWriter } from 'vscode-jsonrpc';

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
   * A notification whose JSON body the caller built; `latin1` when it is
   * ASCII only (base64 and names of ours), which encodes without a scan.
   */
  writeBody(body: string, encoding: 'utf8' | 'latin1'): void {
    this.frame(body, encoding);
  }

  private frame(body: string, encoding: 'utf8' | 'latin1'): void {
    const length = encoding === 'latin1' ? body.length : Buffer.byteLength(body, 'utf8');
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
