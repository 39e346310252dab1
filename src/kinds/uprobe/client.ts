/** uprobe: calls of a function in a binary or library inside the container. The client part (the root part: ./root). BPF: bpf/uprobe.bpf.c, bpf/uprobe.h. */
import type { UprobeEvent } from '../../protocol';
import { defineClientKind } from '../client-part';
import { CallStats } from './summary';
import { micro } from '../shared/text';
import { quote } from '../shared/json';
import { decodeUprobe } from './decode';

const SYMBOL = /^[A-Za-z_][\w.$@]{0,255}$/;
const TARGET = /^[\w.+\-/@]{1,256}$/;

export default defineClientKind<UprobeEvent>({
  name: 'uprobe',
  decode: decodeUprobe,
  what: 'calls of a function in a binary or library: arguments, result, latency',
  icon: 'symbol-method',
  summary: () => new CallStats(),
  oneContainer: true,
  options: [
    {
      key: 'target',
      flag: 'target',
      arg: 'path|library',
      help: 'a path inside the container, or a library or program name (libc, nginx)',
      ask: 'mapped-file',
      check: (v) =>
        typeof v === 'string' && TARGET.test(v) && !v.split('/').includes('..')
          ? undefined
          : 'target must be a path inside the container (no "..") or a library or program name, e.g. libc',
      fromFlag: (text) => String(text),
    },
    {
      key: 'function',
      flag: 'function',
      arg: 'symbol',
      help: "the function's symbol, e.g. malloc",
      ask: 'text',
      check: (v) => (typeof v === 'string' && SYMBOL.test(v) ? undefined : 'function must be a symbol name, e.g. malloc'),
      fromFlag: (text) => String(text),
    },
  ],
  required: { keys: ['target', 'function'], why: 'uprobe needs a target (a path inside the container, or a library such as libc) and a function' },
  text: (e) => `${e.function}(${e.args.slice(0, 3).join(', ')}, …) = ${e.ret}  ${micro(e.latencyNs)}  [call ${e.calls}]`,
  jsonTail: (e) =>
    `,"target":${quote(e.target)},"function":${quote(e.function)},"calls":${e.calls},"latencyNs":${e.latencyNs}` +
    `,"args":[${e.args.map((a) => (typeof a === 'number' ? a : quote(a))).join(',')}],"ret":${typeof e.ret === 'number' ? e.ret : quote(e.ret)}`,
});
