/**
 * Container references: `[runtime:]name|id-prefix`, `[runtime:]pod/container`,
 * `[runtime:]namespace/pod/container` (containerd: `namespace/name`). The one
 * matcher the CLI, the helper and the extension use.
 */
import { RUNTIME_KINDS, type ContainerInfo, type RuntimeKind } from './types';
import type { ContainerSelector } from '../protocol/messages';

export interface ContainerRef {
  runtime?: RuntimeKind;
  parts: string[];
}

export function parseContainerRef(ref: string): ContainerRef {
  const colon = ref.indexOf(':');
  const head = colon > 0 ? ref.slice(0, colon) : '';
  const runtime = (RUNTIME_KINDS as readonly string[]).includes(head) ? (head as RuntimeKind) : undefined;
  const rest = runtime ? ref.slice(colon + 1) : ref;
  return { runtime, parts: rest.split('/').filter((p) => p.length > 0) };
}

const isIdPrefix = (c: ContainerInfo, s: string) => s.length >= 3 && c.id.startsWith(s);
const named = (c: ContainerInfo, s: string) => c.name === s || c.id === s;

/** The containers a reference names: exact names or ids first, else id prefixes. */
export function matchContainers(all: ContainerInfo[], ref: ContainerRef): ContainerInfo[] {
  const pool = ref.runtime ? all.filter((c) => c.runtime === ref.runtime) : all;
  const [a, b, c] = ref.parts;
  switch (ref.parts.length) {
    case 1: {
      const exact = pool.filter((x) => named(x, a));
      return exact.length ? exact : pool.filter((x) => isIdPrefix(x, a));
    }
    case 2:
      // pod/container, or a containerd namespace/name
      return pool.filter((x) => (x.pod === a || (!x.pod && x.namespace === a)) && named(x, b));
    case 3:
      return pool.filter((x) => x.namespace === a && x.pod === b && named(x, c));
    default:
      return [];
  }
}

/** `cri:shop/web-1/nginx (3f2a1b…)`: what a user types to name exactly this one. */
export function describeContainer(c: ContainerInfo): string {
  const path = [c.namespace, c.pod, c.name].filter(Boolean).join('/');
  return `${c.runtime}:${path} (${c.id.slice(0, 12)})${c.node ? ` in ${c.node.name}` : ''}`;
}

/** What a selector can ask of a container: the protocol's ContainerSelector. */
export type SelectorFields = ContainerSelector;

/** Whether a running container matches every field the selector gives. */
export function selectorMatches(c: ContainerInfo, s: SelectorFields): boolean {
  return c.state === 'running' && !!c.hostPid && selectorFieldsMatch(c, s);
}

/** Whether a container, running or not (one starting), has every field the selector gives. */
export function selectorFieldsMatch(c: ContainerInfo, s: SelectorFields): boolean {
  if (s.runtime && c.runtime !== s.runtime) return false;
  if (s.namespace && c.namespace !== s.namespace) return false;
  if (s.pod && c.pod !== s.pod) return false;
  if (s.names && !s.names.includes(c.name)) return false;
  if (s.composeProject && c.labels['com.docker.compose.project'] !== s.composeProject) return false;
  if (s.composeService && c.labels['com.docker.compose.service'] !== s.composeService) return false;
  for (const [k, v] of Object.entries(s.labels ?? {})) if (c.labels[k] !== v) return false;
  return true;
}

/** `-n shop -l app=web`, `pod shop/web-1 (cri)`: a selector as a user would read it. */
export function describeSelector(s: SelectorFields): string {
  const parts: string[] = [];
  if (s.pod) parts.push(`pod ${s.namespace ? `${s.namespace}/` : ''}${s.pod}`);
  else if (s.namespace) parts.push(`-n ${s.namespace}`);
  if (s.labels && Object.keys(s.labels).length) parts.push(`-l ${Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(',')}`);
  if (s.names) parts.push(s.names.join(','));
  if (s.composeProject) parts.push(`compose ${s.composeProject}${s.composeService ? `/${s.composeService}` : ''}`);
  else if (s.composeService) parts.push(`compose service ${s.composeService}`);
  if (s.runtime) parts.push(`(${s.runtime})`);
  return parts.join(' ');
}
