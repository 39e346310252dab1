/**
 * A helper client's side of the event stream: trace/events as they come,
 * record batches (raw BPF records; binary frames, which the connection's
 * reader, ./helper-reader, hands over as trace/records) decoded here,
 * unprivileged, with the kind's shared decoder. Records that arrive before their trace's start
 * result is known are held (bounded) and decoded once it is.
 */
import type { MessageConnection } from 'vscode-jsonrpc';
import { TraceEvents, TraceMembers, TraceRecords, type KindName, type PidnsMember, type RecordStacks, type TraceEvent, type TraceOptions, type TraceStartResult } from '../protocol';
import { RecordDecoder } from '../kinds/record-decoder';
import { eventJson } from '../kinds/client-registry';

/** Batches held per unknown session, and sessions held, before a start result names them. */
const MAX_EARLY_BATCHES = 64;
const MAX_EARLY_SESSIONS = 16;
/** How often held events (a DNS query waiting for its answer) are looked at between batches. */
const EXPIRE_EVERY_MS = 250;

/** JSON lines instead of events (the CLI's --json): `lines` is valid until the callback returns unless it keeps it (see `keep`). */
export type JsonLinesSink = (sessionId: string, lines: Buffer, count: number) => { keep: boolean };

export class TraceReceiver {
  private readonly decoders = new Map<string, RecordDecoder>();
  private readonly early = new Map<string, { data: Buffer; stacks?: RecordStacks }[]>();
  private spare: Buffer | undefined;
  private expiring: NodeJS.Timeout | undefined;

  /** Events to `deliver`; or, given `json`, every event as a JSON line to it instead. */
  constructor(
    private readonly deliver: (sessionId: string, events: TraceEvent[]) => void,
    private readonly json?: JsonLinesSink,
  ) {}

  /** Take the trace notifications of a connection. */
  listen(connection: MessageConnection): void {
    connection.onNotification(TraceEvents, (p) => this.events(p.sessionId, p.events));
    connection.onNotification(TraceRecords, (p) => this.records(p.sessionId, p.records, p.stacks));
    connection.onNotification(TraceMembers, (p) => this.members(p.sessionId, p.joined));
  }

  /** Selector traces: containers that joined (before any of their records). */
  members(sessionId: string, joined: PidnsMember[]): void {
    this.decoders.get(sessionId)?.members(joined);
  }

  /** Decoded events for a session (kinds read from maps). */
  events(sessionId: string, events: TraceEvent[]): void {
    if (!this.json) return this.deliver(sessionId, events);
    this.json(sessionId, Buffer.from(events.map((e) => eventJson(e) + '\n').join(''), 'utf8'), events.length);
  }

  /** A raw batch for a session. */
  records(sessionId: string, data: Buffer, stacks?: RecordStacks): void {
    const decoder = this.decoders.get(sessionId);
    if (decoder) {
      this.decoded(sessionId, decoder, data, stacks);
      return;
    }
    let held = this.early.get(sessionId);
    if (!held) {
      if (this.early.size >= MAX_EARLY_SESSIONS) return;
      this.early.set(sessionId, (held = []));
    }
    if (held.length < MAX_EARLY_BATCHES) held.push({ data: Buffer.from(data), stacks }); // the caller may reuse `data`
  }

  /** A trace started (with these options): its records can be decoded from now on (held ones first). */
  started(kind: KindName, result: TraceStartResult, options?: TraceOptions): void {
    if (!result.records) return;
    const decoder = new RecordDecoder({ kind, ...result.records, options });
    this.decoders.set(result.sessionId, decoder);
    const held = this.early.get(result.sessionId);
    this.early.delete(result.sessionId);
    for (const { data, stacks } of held ?? []) this.decoded(result.sessionId, decoder, data, stacks);
  }

  private decoded(sessionId: string, decoder: RecordDecoder, data: Buffer, stacks?: RecordStacks): void {
    if (!this.json) {
      const events = decoder.events(data, stacks);
      // (A kind that pairs records may complete none with a batch.)
      if (events.length) this.deliver(sessionId, events);
    } else {
      const { lines, buffer, count } = decoder.jsonLines(data, this.spare);
      this.spare = undefined;
      // The buffer is used again unless the sink still holds it (a write not yet taken).
      if (!this.json(sessionId, lines, count).keep) this.spare = buffer;
    }
    // What the batch left waiting (a query) is looked at between batches too.
    this.watchHeld(decoder);
  }

  /** Held events out (decoded, or as JSON lines). */
  private out(sessionId: string, events: TraceEvent[]): void {
    if (events.length) this.events(sessionId, events);
  }

  /** While a decoder holds events, look at them between batches too (a query's timeout passes with no records coming). */
  private watchHeld(decoder: RecordDecoder): void {
    if (this.expiring || !decoder.holding) return;
    this.expiring = setInterval(() => {
      let holding = false;
      for (const [id, d] of this.decoders) {
        if (!d.holding) continue;
        this.out(id, d.expire());
        holding ||= d.holding;
      }
      if (!holding) {
        clearInterval(this.expiring);
        this.expiring = undefined;
      }
    }, EXPIRE_EVERY_MS);
    this.expiring.unref();
  }

  /** A trace ended (its last records came before): what its decoder still held comes out, then it is forgotten. */
  ended(sessionId: string): void {
    const decoder = this.decoders.get(sessionId);
    this.decoders.delete(sessionId);
    this.early.delete(sessionId);
    if (decoder) this.out(sessionId, decoder.flush());
  }
}
