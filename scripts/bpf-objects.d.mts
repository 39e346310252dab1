// Types of ./bpf-objects.mjs (the generator of src/bpf/objects.ts), for the unit test that holds the two equal.
export interface ObjectDescription {
  programs: Record<string, string>;
  maps: string[];
  knobs: Record<string, number>;
}
export function describeObject(file: string): ObjectDescription;
export function objectsModule(dir: string): string;
