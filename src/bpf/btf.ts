/**
 * Reads the BTF of a BPF object through libbpf: where each `.rodata` knob
 * lives, and the layout of event structs (so decoders can be checked).
 */
import { lib, decodeU32, isNull, type Ptr } from './native';

const BTF_KIND_STRUCT = 4;
const BTF_KIND_DATASEC = 15;
const BTF_TYPE_HEADER = 12; // name_off, info, size/type
const BTF_ENTRY = 12; // btf_member and btf_var_secinfo are both three u32

export interface BtfMember {
  name: string;
  offset: number; // bytes
  size: number; // bytes
}

function kindOf(info: number): number {
  return (info >>> 24) & 0x1f;
}

function entries(btf: Ptr, id: number): { type: Ptr; vlen: number } {
  const type = lib().btfTypeById(btf as never, id);
  if (isNull(type)) throw new Error(`BTF type ${id} not found`);
  return { type, vlen: decodeU32(type, 4) & 0xffff };
}

function nameOf(btf: Ptr, nameOff: number): string {
  return lib().btfNameByOffset(btf as never, nameOff) as string;
}

/** Members of `struct name` with byte offsets and sizes. */
export function structMembers(btf: Ptr, name: string): BtfMember[] {
  const n = lib();
  const id = n.btfFindByNameKind(btf as never, name, BTF_KIND_STRUCT);
  if (id < 0) throw new Error(`struct ${name} is not in the object's BTF`);
  const { type, vlen } = entries(btf, id);
  const members: BtfMember[] = [];
  for (let i = 0; i < vlen; i++) {
    const at = BTF_TYPE_HEADER + i * BTF_ENTRY;
    const memberType = decodeU32(type, at + 4);
    const bitOffset = decodeU32(type, at + 8) & 0xffffff;
    members.push({
      name: nameOf(btf, decodeU32(type, at)),
      offset: bitOffset / 8,
      size: Number(n.btfResolveSize(btf as never, memberType)),
    });
  }
  return members;
}

/** The size of `struct name` in bytes. */
export function structSize(btf: Ptr, name: string): number {
  const id = lib().btfFindByNameKind(btf as never, name, BTF_KIND_STRUCT);
  if (id < 0) throw new Error(`struct ${name} is not in the object's BTF`);
  return decodeU32(entries(btf, id).type, 8);
}

/** Byte offset and size of every variable in a data section such as `.rodata`. */
export function sectionVariables(btf: Ptr, section: string): Map<string, { offset: number; size: number }> {
  const id = lib().btfFindByNameKind(btf as never, section, BTF_KIND_DATASEC);
  const vars = new Map<string, { offset: number; size: number }>();
  if (id < 0) return vars;
  const { type, vlen } = entries(btf, id);
  if (kindOf(decodeU32(type, 4)) !== BTF_KIND_DATASEC) return vars;
  for (let i = 0; i < vlen; i++) {
    const at = BTF_TYPE_HEADER + i * BTF_ENTRY;
    const varType = lib().btfTypeById(btf as never, decodeU32(type, at));
    vars.set(nameOf(btf, decodeU32(varType, 0)), { offset: decodeU32(type, at + 4), size: decodeU32(type, at + 8) });
  }
  return vars;
}

/** Parse the BTF of an object file (no root needed); the caller frees it. */
export function withObjectBtf<T>(path: string, fn: (btf: Ptr) => T): T {
  const n = lib();
  const btf = n.btfParse(path, null);
  if (isNull(btf)) throw new Error(`cannot read BTF from ${path}`);
  try {
    return fn(btf);
  } finally {
    n.btfFree(btf);
  }
}
