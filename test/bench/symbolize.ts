/**
 * Benchmark part: symbolizing the frames of a large binary, the client's
 * StackSymbolizer (the file's bytes fetched by handle as from the helper,
 * kept by build ID; llvm-symbolizer behind it; answers kept per address)
 * against llvm-symbolizer alone on the same addresses: cold (nothing cached),
 * the file cached (a new symbolizer, the bytes on disk), and answers cached
 * (the same symbolizer asked again). Bundled by scripts/bench.mjs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { StackSymbolizer } from '../../src/client/symbolize';
import { FileCache } from '../../src/client/symbolize/cache';
import { findSymbolizer } from '../../src/client/symbolize/llvm';
import type { ProfileEvent, ProfileFrame } from '../../src/protocol';
import { offsetToAddress, readElfLayout, bufferReader } from '../../src/kinds/profile/elf';

export interface SymbolizeBench {
  file: string;
  bytes: number;
  addresses: number;
  llvmAloneMs: number;
  coldMs: number;
  fileCachedMs: number;
  answersCachedMs: number;
  named: { llvmAlone: number; ours: number };
}

/** `count` function addresses of `file` spread over its text (from its dynamic symbols), as file offsets. */
function offsetsOf(file: string, count: number): { offsets: number[]; buildId: string } {
  const text = spawnSync('readelf', ['--dyn-syms', '-W', file], { encoding: 'utf8', maxBuffer: 128 << 20 }).stdout;
  const addrs = text.split('\n').map((l) => /^\s*\d+: ([0-9a-f]+)\s+(\d+) FUNC\s+\w+\s+\w+\s+\d+ /.exec(l)).filter((m): m is RegExpExecArray => !!m && Number(m[2]) > 16).map((m) => parseInt(m[1], 16) + 8);
  const bytes = fs.readFileSync(file);
  const { loads } = readElfLayout(bufferReader(bytes), bytes.length);
  const step = Math.max(1, Math.floor(addrs.length / count));
  const offsets: number[] = [];
  for (let i = 0; i < addrs.length && offsets.length < count; i += step) {
    const l = loads.find((s) => addrs[i] >= s.vaddr && addrs[i] < s.vaddr + s.filesz);
    if (l) offsets.push(addrs[i] - l.vaddr + l.offset);
  }
  const id = /Build ID: ([0-9a-f]+)/.exec(spawnSync('readelf', ['-n', file], { encoding: 'utf8' }).stdout)?.[1] ?? '';
  // Sanity: every offset maps back into a loaded segment.
  if (offsets.some((o) => offsetToAddress(loads, o) === undefined)) throw new Error('an offset outside the loaded segments');
  return { offsets, buildId: id };
}

export async function symbolizeBench(file: string, count: number): Promise<SymbolizeBench> {
  const { offsets, buildId } = offsetsOf(file, count);
  const bytes = fs.statSync(file).size;
  const program = findSymbolizer();
  if (!program) throw new Error('llvm-symbolizer is not installed');
  // llvm-symbolizer alone: the same addresses, one process, the file read from its path.
  const loads = readElfLayout(bufferReader(fs.readFileSync(file)), bytes).loads;
  const input = offsets.map((o) => `0x${offsetToAddress(loads, o)!.toString(16)}`).join('\n') + '\n';
  const t0 = performance.now();
  const alone = spawnSync(program, [`--obj=${file}`, '--output-style=JSON'], { input, encoding: 'utf8', maxBuffer: 128 << 20 });
  const llvmAloneMs = performance.now() - t0;
  const llvmNamed = alone.stdout.split('\n').filter((l) => /"FunctionName":"[^"]+"/.test(l)).length;

  const fetch = async (_id: string, offset: number, length: number) => {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(Math.min(length, Math.max(0, bytes - offset)));
      fs.readSync(fd, buf, 0, buf.length, offset);
      // As the helper answers: base64 in JSON.
      return JSON.parse(JSON.stringify({ data: buf.toString('base64'), size: bytes }));
    } finally {
      fs.closeSync(fd);
    }
  };
  const events = (): ProfileEvent[] => [
    {
      gadget: 'profile', time: '2026-12-02T00:00:00.000000000Z', container: { id: 'bench', name: 'bench' }, pid: 1, tid: 0, hostPid: 1, hostTid: 0, comm: 'bench', interval: 1000, samples: 1, totalSamples: 1,
      stack: offsets.map((offset): ProfileFrame => ({ function: null, file: null, line: null, module: file, offset, buildId, fileId: 'f1' })),
    },
  ];
  const named = (e: ProfileEvent[]) => e[0].stack.filter((f) => f.function).length;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-bench-sym-'));
  try {
    const timed = async (s: StackSymbolizer) => {
      const t = performance.now();
      const out = await s.symbolize(events());
      return { ms: performance.now() - t, named: named(out) };
    };
    const cold = new StackSymbolizer(fetch, new FileCache(dir));
    const c = await timed(cold);
    const again = await timed(cold);
    const warm = new StackSymbolizer(fetch, new FileCache(dir));
    const w = await timed(warm);
    cold.close();
    warm.close();
    return { file, bytes, addresses: offsets.length, llvmAloneMs, coldMs: c.ms, fileCachedMs: w.ms, answersCachedMs: again.ms, named: { llvmAlone: llvmNamed, ours: c.named } };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
