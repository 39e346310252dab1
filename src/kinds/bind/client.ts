/** bind: a process binds a socket — a server starting to listen — and whether it could. The client part (the root part: ./root). BPF: bpf/bind.bpf.c, bpf/bind.h. */
import type { BindEvent } from '../../protocol';
import { defineClientKind } from '../client-part';
import { decodeBind } from './decode';

export default defineClientKind<BindEvent>({
  name: 'bind',
  decode: decodeBind,
  what: 'sockets bound (servers starting to listen): address, port, protocol, or why not (EADDRINUSE)',
  icon: 'radio-tower',
  text: (e) => {
    const where = e.family === 'IPv6' ? `[${e.address}]:${e.port}` : e.family === 'IPv4' ? `${e.address}:${e.port}` : e.family;
    return `${e.protocol || e.socketType} ${where} (fd ${e.fd})  → ${e.ret < 0 ? e.error ?? e.ret : 'bound'}`;
  },
  failed: (e) => e.ret < 0,
});
