/** signal: signals generated and delivered. BPF: bpf/signal.bpf.c, bpf/signal.h. */
import type { SignalEvent } from '../../protocol';
import { defineKind } from '../kind';
import { decodeSignal, SIGNAL_LAYOUT } from './decode';

const who = (p: number, host: number) => (p ? `${p}` : `host ${host}`);

export default defineKind<SignalEvent>({
  spec: {
    name: 'signal',
    what: 'signals generated (sender → target) and delivered',
    icon: 'zap',
    text: (e) =>
      e.phase === 'generated'
        ? `${e.sig} → ${who(e.targetPid, e.targetHostPid)}${e.targetTid !== e.targetPid ? `/${e.targetTid}` : ''} (${e.code}): ${e.result}${e.senderOutside ? '  [sender outside the scope]' : ''}`
        : `${e.sig} delivered (${e.code}): ${e.fatal ? 'fatal, the process ends' : e.result}`,
  },
  helper: { object: 'signal.bpf.o', needs: ['raw_tp'], layout: SIGNAL_LAYOUT, source: { ring: decodeSignal } },
});
