/** signal: signals generated and delivered. The client part (the root part: ./root). BPF: bpf/signal.bpf.c, bpf/signal.h. */
import type { SignalEvent } from '../../protocol';
import { defineClientKind } from '../client-part';
import { STACK_PRESET, stackOption } from '../shared/options';
import { decodeSignal } from './decode';
import { SignalPairs } from './summary';

const who = (p: number, host: number) => (p ? `${p}` : `host ${host}`);

export default defineClientKind<SignalEvent>({
  name: 'signal',
  decode: decodeSignal,
  what: 'signals generated (sender → target) and delivered',
  icon: 'zap',
  options: [stackOption],
  presets: [STACK_PRESET],
  summary: () => new SignalPairs(),
  text: (e) =>
    e.phase === 'generated'
      ? `${e.sig} → ${who(e.targetPid, e.targetHostPid)}${e.targetTid !== e.targetPid ? `/${e.targetTid}` : ''} (${e.code}): ${e.result}${e.senderOutside ? '  [sender outside the scope]' : ''}`
      : `${e.sig} delivered (${e.code}): ${e.fatal ? 'fatal, the process ends' : e.threadEnd === 'exit' ? 'the thread ends as its process exits' : e.threadEnd === 'exec' ? 'the thread ends as another thread execs' : e.result}`,
});
