/** bind: a process binds a socket — a server starting to listen — and whether it could. The client part (the root part: ./root). BPF: bpf/bind.bpf.c, bpf/bind.h. */
import type { BindEvent } from '../../protocol';
import { defineClientKind } from '../client-part';
import { STACK_PRESET, stackOption } from '../shared/options';
import { decodeBind } from './decode';
import { bindAddress, Listeners } from './summary';

export default defineClientKind<BindEvent>({
  name: 'bind',
  decode: decodeBind,
  what: 'sockets bound (servers starting to listen): address, port, protocol, or why not (EADDRINUSE)',
  icon: 'radio-tower',
  options: [stackOption],
  presets: [STACK_PRESET],
  summary: () => new Listeners(),
  text: (e) => `${e.protocol || e.socketType} ${bindAddress(e)} (fd ${e.fd})  → ${e.ret < 0 ? e.error ?? e.ret : 'bound'}`,
  errno: (e) => e.error,
  failed: (e) => e.ret < 0,
});
