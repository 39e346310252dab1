/**
 * A helper client's side of the event stream: trace/events as they come,
 * trace/records (raw BPF records) decoded here, unprivileged, with the
 * kind's shared decoder. Records that arrive before their trace's start
 * result is known are held (bounded) and decoded once it is.
 */
import type { MessageConnection } from 'vscode-jsonrpc';
import { TraceEvents, TraceMembers, TraceRecords, type GadgetName, type PidnsMember, type TraceEvent, type TraceStartResult } from '../protocol';
import { RecordDecoder } from '../gadgets/records';

/** Batches held per unknown session, and sessions held, before a start result names them. */
const MAX_EARLY_BATCHES = 64;
const MAX_EARLY_SESSIONS = 16;

export class TraceReceiver {
  private readonly decoders = new Map<string, RecordDecoder>();
  private readonly early = new Map<string, Buffer[]>();

  constructor(private readonly deliver: (sessionId: string, events: TraceEvent[]) => void) {}

  /** Take the trace notifications of a connection. */
  listen(connection: MessageConnection): void {
    connection.onNotification(TraceEvents, (p) => this.deliver(p.sessionId, p.events));
    connection.onNotification(TraceRecords, (p) => this.records(p.sessionId, Buffer.from(p.records, 'base64')));
    connection.onNotification(TraceMembers, (p) => this.members(p.sessionId, p.joined));
  }

  /** Selector traces: containers that joined (before any of their records). */
  members(sessionId: string, joined: PidnsMember[]): void {
    this.decoders.get(sessionId)?.members(joined);
  }

  /** A raw batch for a session. */
  records(sessionId: string, data: Buffer): void {
    const decoder = this.decoders.get(sessionId);
    if (decoder) {
      this.deliver(sessionId, decoder.events(data));
      return;
    }
    let held = this.early.get(sessionId);
    if (!held) {
      if (this.early.size >= MAX_EARLY_SESSIONS) return;
      this.early.set(sessionId, (held = []));
    }
    if (held.length < MAX_EARLY_BATCHES) held.push(Buffer.from(data)); // the caller may reuse `data`
  }

  /** A trace started: its records can be decoded from now on (held ones first). */
  started(gadget: GadgetName, result: TraceStartResult): void {
    if (!result.records) return;
    const decoder = new RecordDecoder({ gadget, ...result.records });
    this.decoders.set(result.sessionId, decoder);
    const held = this.early.get(result.sessionId);
    this.early.delete(result.sessionId);
    for (const data of held ?? []) this.deliver(result.sessionId, decoder.events(data));
  }

  /** A trace ended: forget it. */
  ended(sessionId: string): void {
    this.decoders.delete(sessionId);
    this.early.delete(sessionId);
  }
}
