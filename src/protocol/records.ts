/**
 * Raw record batches: what the helper sends for ring-buffer kinds instead of
 * decoded events ("volume goes out, not in"). A batch is a span of the BPF
 * ring buffer copied as it lies: records in the kernel's own framing (an
 * 8-byte header whose first u32 is the length with the busy/discard bits,
 * then the record, padded to 8 bytes). The unprivileged side decodes them
 * with the kind's client part (src/kinds/record-decoder.ts); the root side
 * only copies bytes.
 */

export const RECORD_HEADER = 8;
export const RECORD_BUSY_BIT = 0x80000000;
export const RECORD_DISCARD_BIT = 0x40000000;

/** The padded size of a record of `len` bytes, header included. */
export const recordSpan = (len: number) => (len + RECORD_HEADER + 7) & ~7;

export type RecordVisitor = (dv: DataView, bytes: Buffer, at: number, len: number) => void;

/**
 * Visit the committed records of a batch, skipping discarded ones; stops at
 * a busy record or one that does not fit (a batch is never trusted to be
 * well formed). Returns how many records were visited.
 */
export function forEachRecord(batch: Buffer, visit: RecordVisitor): number {
  const dv = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  let at = 0;
  let n = 0;
  while (at + RECORD_HEADER <= batch.length) {
    const header = dv.getUint32(at, true);
    if (header & RECORD_BUSY_BIT) break;
    const len = header & ~(RECORD_BUSY_BIT | RECORD_DISCARD_BIT);
    if (at + RECORD_HEADER + len > batch.length) break;
    if (!(header & RECORD_DISCARD_BIT)) {
      // Decoders index `bytes` and `dv` from the batch's own start.
      visit(dv, batch, at + RECORD_HEADER, len);
      n++;
    }
    at += recordSpan(len);
  }
  return n;
}

/**
 * The records of a batch that `keep` accepts, in a batch of the same framing
 * (written into `into` when it is big enough, else a new buffer: the caller
 * may reuse what it hands in, once the result is consumed); undefined when
 * none is kept. Each kept record is copied once, as it is visited.
 */
export function filterRecords(batch: Buffer, keep: (dv: DataView, at: number, len: number) => boolean, into?: Buffer): { data: Buffer; count: number } | undefined {
  let out: Buffer | undefined;
  let to = 0;
  let count = 0;
  forEachRecord(batch, (dv, _b, at, len) => {
    if (!keep(dv, at, len)) return;
    out ??= into && into.length >= batch.length ? into : Buffer.allocUnsafe(batch.length);
    const from = at - RECORD_HEADER;
    to += batch.copy(out, to, from, Math.min(batch.length, from + recordSpan(len)));
    count++;
  });
  return out && count ? { data: out.subarray(0, to), count } : undefined;
}
