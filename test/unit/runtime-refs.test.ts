/** Container references and selectors: the one matcher the CLI, the helper and the extension share. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeContainer, matchContainers, parseContainerRef, selectorMatches } from '../../src/runtime/match';
import { validateSelector, validateStart, InvalidParamsError } from '../../src/engine/validate';
import { mergeListings } from '../../src/ext/containers-merge';
import type { ContainerInfo } from '../../src/runtime/types';

const c = (over: Partial<ContainerInfo>): ContainerInfo => ({ runtime: 'docker', id: 'a'.repeat(64), name: 'web', image: 'img', state: 'running', hostPid: 100, labels: {}, created: 0, ...over });
const all = [
  c({ id: '1111aaaa', name: 'web' }),
  c({ runtime: 'podman', id: '2222bbbb', name: 'web' }),
  c({ runtime: 'cri', id: '3333cccc', name: 'nginx', namespace: 'shop', pod: 'web-1', labels: { app: 'web' } }),
  c({ runtime: 'cri', id: '4444dddd', name: 'nginx', namespace: 'dev', pod: 'web-1', labels: { app: 'web' } }),
  c({ runtime: 'containerd', id: 'ctr1', name: 'ctr1', namespace: 'default' }),
  c({ id: '5555eeee', name: 'api', labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'api' } }),
  c({ id: '6666ffff', name: 'old', state: 'exited', hostPid: 0, labels: { 'com.docker.compose.project': 'shop' } }),
];
const ids = (ref: string) => matchContainers(all, parseContainerRef(ref)).map((x) => x.id);

test('references: name, id prefix, pod/container, namespace/pod/container, containerd namespace/name, runtime: in front', () => {
  assert.deepEqual(ids('web'), ['1111aaaa', '2222bbbb'], 'a name in two runtimes is ambiguous');
  assert.deepEqual(ids('podman:web'), ['2222bbbb']);
  assert.deepEqual(ids('1111'), ['1111aaaa'], 'id prefix');
  assert.deepEqual(ids('11'), [], 'id prefixes need three characters');
  assert.deepEqual(ids('web-1/nginx'), ['3333cccc', '4444dddd'], 'a pod name in two namespaces');
  assert.deepEqual(ids('shop/web-1/nginx'), ['3333cccc']);
  assert.deepEqual(ids('cri:dev/web-1/nginx'), ['4444dddd']);
  assert.deepEqual(ids('default/ctr1'), ['ctr1']);
  assert.deepEqual(ids('docker:shop/web-1/nginx'), []);
  assert.deepEqual(parseContainerRef('notaruntime:x'), { runtime: undefined, parts: ['notaruntime:x'] });
  assert.equal(describeContainer(all[2]), 'cri:shop/web-1/nginx (3333cccc)');
});

test('selectors: every given field must match, only running containers', () => {
  const sel = (s: object) => all.filter((x) => selectorMatches(x, s)).map((x) => x.id);
  assert.deepEqual(sel({ namespace: 'shop', labels: { app: 'web' } }), ['3333cccc']);
  assert.deepEqual(sel({ pod: 'web-1' }), ['3333cccc', '4444dddd']);
  assert.deepEqual(sel({ composeProject: 'shop' }), ['5555eeee'], 'the exited one is not traced');
  assert.deepEqual(sel({ composeProject: 'shop', composeService: 'web' }), []);
  assert.deepEqual(sel({ names: ['api', 'ctr1'] }), ['ctr1', '5555eeee']);
  assert.deepEqual(sel({ runtime: 'cri', labels: { app: 'web' } }), ['3333cccc', '4444dddd']);
});

test('selectors from outside are validated: known fields, names, bounded labels; not with a PID scope or one-container kinds', () => {
  assert.deepEqual(validateSelector({ namespace: 'shop', labels: { app: 'web' } }), { namespace: 'shop', labels: { app: 'web' } });
  const bad: [unknown, RegExp][] = [
    [{}, /needs a namespace, pod, labels/],
    [{ runtime: 'cri' }, /needs a namespace, pod, labels/],
    [{ pod: '../etc' }, /selector.pod must be a name/],
    [{ runtime: 'lxc', pod: 'x' }, /selector.runtime must be one of/],
    [{ labels: { 'a b': 'c' } }, /not a label key/],
    [{ labels: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, /at most 16 labels/],
    [{ names: [] }, /1 to 64 container names/],
    [{ pod: 'x', socket: '/tmp/evil.sock' }, /unknown field "socket"/],
  ];
  for (const [raw, re] of bad) assert.throws(() => validateSelector(raw), (e: Error) => e instanceof InvalidParamsError && re.test(e.message), JSON.stringify(raw));
  assert.throws(() => validateStart({ gadget: 'exec', container: 'a', selector: { pod: 'x' } }), /one of them/);
  assert.throws(() => validateStart({ gadget: 'exec' }), /one of them/);
  assert.throws(() => validateStart({ gadget: 'exec', selector: { pod: 'x' }, scope: { pid: 1 } }), /takes no PID/);
  assert.throws(() => validateStart({ gadget: 'uprobe', selector: { pod: 'x' }, options: { target: 'libc', function: 'malloc' } }), /runs on one container/);
  assert.equal(validateStart({ gadget: 'exec', container: 'cri:shop/web-1/nginx' }).container, 'cri:shop/web-1/nginx');
});

test("the extension keeps what it reads itself and takes from the helper what it could not read", () => {
  const st = (kind: 'docker' | 'containerd', reachable: boolean) => ({ kind, endpoint: `unix:///${kind}.sock`, reachable, error: reachable ? undefined : 'permission denied' });
  const own = [
    { status: st('docker', true), containers: [all[0]] },
    { status: st('containerd', false), containers: [] },
  ];
  const fromHelper = [
    { status: st('docker', true), containers: [all[0], all[1]] },
    { status: st('containerd', true), containers: [all[4]] },
    { status: { ...st('containerd', true), node: { runtime: 'docker' as const, id: 'n', name: 'node', hostPid: 5 } }, containers: [] },
  ];
  const merged = mergeListings(own, fromHelper);
  assert.equal(merged.length, 3);
  assert.equal(merged[0].viaHelper, undefined, 'its own docker listing stays');
  assert.deepEqual(merged[1].containers.map((x) => x.id), ['ctr1']);
  assert.equal(merged[1].viaHelper, true);
  assert.equal(merged[2].status.node?.name, 'node', 'a nested runtime only root sees is added');
});
