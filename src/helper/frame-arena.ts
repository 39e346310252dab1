/**
 * Where the helper builds its record frames: one buffer used as a ring.
 * Frames are carved from it one after another and given back when the
 * output stream is done with them (in the order they were written, but any
 * order is handled: space comes back once every older frame is back too).
 * A frame costs the bytes it has, whatever its size: a flood of small
 * frames (the ring polled while the programs are still writing gives short
 * spans) holds no more than its bytes, and makes no garbage.
 */
export interface ArenaFrame {
  readonly buffer: Buffer;
  /** Gives the frame's space back (once; later calls do nothing). */
  release(): void;
}

export class FrameArena {
  private buf: Buffer | undefined;
  /** Frames not yet given back, oldest first: [start, end, released]. */
  private readonly live: { start: number; end: number; released: boolean }[] = [];
  private head = 0;

  /** `capacity`: the bytes it may hold at once (allocated on first use; pages are touched as frames reach them). */
  constructor(readonly capacity: number) {}

  /** Bytes held by frames not yet given back (and by any gap left at the ring's end while they are). */
  get held(): number {
    if (!this.live.length) return 0;
    const tail = this.live[0].start;
    return this.head > tail ? this.head - tail : this.capacity - tail + this.head;
  }

  /** A frame of `bytes`, or undefined when the ring has no room for it now. */
  alloc(bytes: number): ArenaFrame | undefined {
    if (bytes <= 0 || bytes > this.capacity) return undefined;
    let start: number;
    if (!this.live.length) {
      start = 0;
    } else {
      const tail = this.live[0].start;
      if (this.head > tail) {
        // Used: [tail, head). Room after head, else wrap to the start if the room before tail holds it.
        if (this.capacity - this.head >= bytes) start = this.head;
        else if (tail >= bytes) start = 0;
        else return undefined;
      } else {
        // Wrapped, used: [tail, end) and [0, head).
        if (tail - this.head >= bytes) start = this.head;
        else return undefined;
      }
    }
    this.buf ??= Buffer.allocUnsafeSlow(this.capacity);
    const entry = { start, end: start + bytes, released: false };
    this.live.push(entry);
    this.head = entry.end;
    return {
      buffer: this.buf.subarray(start, entry.end),
      release: () => {
        if (entry.released) return;
        entry.released = true;
        while (this.live.length && this.live[0].released) this.live.shift();
        if (!this.live.length) this.head = 0;
      },
    };
  }
}
