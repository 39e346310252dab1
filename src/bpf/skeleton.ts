/**
 * Types over the generated description of the BPF objects (./objects.ts,
 * written by the build from dist/bpf/*.bpf.o): the programs, maps and knobs
 * one object has, so that a kind's root part names only those — checked by
 * the compiler, as libbpf's skeletons check them in C.
 */
import { BPF_OBJECTS } from './objects';

export { BPF_OBJECTS };

/** A compiled object, by its file name under dist/bpf/. */
export type ObjectName = keyof typeof BPF_OBJECTS;
/** The objects the trace kinds load (probe.bpf.o only tells what the kernel can attach). */
export type TraceObjectName = Exclude<ObjectName, 'probe.bpf.o'>;

type Description<O extends ObjectName> = (typeof BPF_OBJECTS)[O];

export type ProgramName<O extends ObjectName> = keyof Description<O>['programs'] & string;
export type MapName<O extends ObjectName> = Description<O>['maps'][number];

/** The tracepoint a program attaches to (its section is `tracepoint/<category>/<name>`); never for other programs. */
export type TracepointOf<O extends ObjectName, P extends ProgramName<O>> = Description<O>['programs'][P] extends `tracepoint/${infer T}` ? T : never;

/** A program that attaches to a tracepoint the kernel may lack, with that tracepoint. */
export type OptionalProgram<O extends ObjectName> = { [P in ProgramName<O>]: TracepointOf<O, P> extends never ? never : { program: P; tracepoint: TracepointOf<O, P> } }[ProgramName<O>];

/** A knob's value by its size in bytes: one byte is a C bool. */
type KnobValue<Bytes> = Bytes extends 1 ? boolean : Bytes extends 8 ? number | bigint : number;

/** The `.rodata` knobs of an object, any of them set. */
export type Knobs<O extends ObjectName> = { -readonly [K in keyof Description<O>['knobs']]?: KnobValue<Description<O>['knobs'][K]> };

/** The knobs every trace object has (bpf/common.h: the scope filter). */
export type CommonKnobs = Knobs<TraceObjectName>;
