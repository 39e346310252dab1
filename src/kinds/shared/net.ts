/** Addresses as people read them, for the kinds that report sockets (tcp, bind). */

/** Dotted quad, or compressed IPv6 (with ::ffff:a.b.c.d kept readable). */
export function ipString(bytes: Buffer, at: number, v6: boolean): string {
  if (!v6) return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(at + i).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
