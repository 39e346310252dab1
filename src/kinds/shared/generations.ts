/**
 * The three-generation read of kinds that count in the kernel (syscalls,
 * profile): the programs count into the generation an array map's slot 0
 * names. Each read moves them to the next; the generation they left is
 * reported whole and left in place (a program that read the slot before the
 * move may still be adding to it); the one before it, whose last writer
 * finished an interval ago, is deleted, reporting only what came into it
 * after it was reported. The last read, once the programs are detached,
 * takes everything. No count is lost to a read.
 */

/** What a read does with an entry of a generation. */
export type GenerationRead =
  /** the generation just left: report it whole, keep it (and what was reported of it) */
  | 'keep'
  /** the one before: report what came since it was reported, delete it */
  | 'since'
  /** the last read: report it whole, delete it */
  | 'take'
  /** the generation just begun: next time */
  | 'later';

export class Generations {
  private gen = 0;

  constructor(
    private readonly count: number,
    /** The array map whose slot 0 the programs read. */
    private readonly slot: string,
  ) {}

  /** The programs moved on (not at the last read); how this read treats each generation. */
  advance(maps: { putU32Key(name: string, key: number, value: Buffer): boolean }, final: boolean): { read: (gen: number) => GenerationRead; before: number } {
    const cur = this.gen;
    const before = (cur + this.count - 1) % this.count;
    if (!final) {
      this.gen = (cur + 1) % this.count;
      const v = Buffer.alloc(4);
      v.writeUInt32LE(this.gen);
      maps.putU32Key(this.slot, 0, v);
    }
    return {
      before,
      read: (gen) => (gen === cur && !final ? 'keep' : gen === before ? 'since' : gen === cur || final ? 'take' : 'later'),
    };
  }
}
