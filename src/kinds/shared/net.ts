/** Addresses as people read them, for the kinds that report sockets (tcp, bind). */

/** Dotted quad, or compressed IPv6 (with ::ffff:a.b.c.d kept readable). */
export function ipString(bytes: Buffer, at: number, v6: boolean): string {
  if (!v6) return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
  // IPv4-mapped (::ffff:a.b.c.d): a dual-stack socket talking IPv4, written as IPv4 is.
  if (bytes.readUInt32BE(at) === 0 && bytes.readUInt32BE(at + 4) === 0 && bytes.readUInt32BE(at + 8) === 0xffff) {
    return `::ffff:${bytes[at + 12]}.${bytes[at + 13]}.${bytes[at + 14]}.${bytes[at + 15]}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(at + i).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
