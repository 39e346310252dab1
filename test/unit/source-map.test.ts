/**
 * Container paths and DWARF names to workspace files: mounts read from
 * mountinfo as the kernel writes it (a Docker bind mount, a nested mount,
 * a bind of a subdirectory, escaped names), symlinked workspace folders,
 * relative DWARF names by suffix, sourceFileMap entries first, Remote-SSH
 * folder URIs, and the reason given when nothing maps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindMounts, hostToWorkspace, insideToHost, parseMountinfo, resolveDwarf, resolvePath, SuffixIndex, type SourceContext, type WorkspaceRoot } from '../../src/client/source/map';

// This host: the root filesystem, a second disk at /data, a tmpfs.
const OWN = parseMountinfo(
  [
    '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
    '30 27 254:16 / /data rw,relatime - ext4 /dev/vdb rw',
    '22 27 0:21 / /proc rw,relatime - proc proc rw',
    '41 27 0:41 / /var/lib/docker/overlay2/abc/merged rw,relatime - overlay overlay rw,lowerdir=x',
  ].join('\n'),
);
// A container: its overlay root, the workspace bound at /src, its build directory from the second disk over /src/build, a name with a space.
const CONTAINER = parseMountinfo(
  [
    '107 80 0:41 / / rw,relatime master:2 - overlay overlay rw,lowerdir=x',
    '108 107 0:50 / /proc rw,nosuid - proc proc rw',
    '124 107 254:0 /home/ann/proj /src rw,relatime - ext4 /dev/vda rw',
    '125 124 254:16 /cache/build /src/build rw,relatime - ext4 /dev/vdb rw',
    '126 107 254:0 /home/ann/my\\040docs /docs ro,relatime - ext4 /dev/vda rw',
    '127 107 254:0 /var/lib/docker/containers/c1/hosts /etc/hosts rw - ext4 /dev/vda rw',
  ].join('\n'),
);

const ROOT: WorkspaceRoot = { name: 'proj', path: '/home/ann/proj', real: '/home/ann/proj' };
const FILES = new Set(['/home/ann/proj/main.c', '/home/ann/proj/src/util.c', '/home/ann/proj/lib/util.c', '/home/ann/proj/data.txt', '/home/ann/proj/vendor/x/src/util.c']);

function ctx(over: Partial<SourceContext> = {}): SourceContext {
  const roots = over.roots ?? [ROOT];
  const rels = [...FILES].map((f) => ({ root: roots[0], rel: f.slice(ROOT.path.length + 1) }));
  return { mounts: bindMounts(CONTAINER, OWN), roots, substitutions: [], index: new SuffixIndex(rels), exists: (p) => FILES.has(p) || FILES.has(p.replace(roots[0].path, ROOT.path)), ...over };
}

test('mountinfo lines parse with their escapes; virtual filesystems map nowhere', () => {
  const docs = CONTAINER.find((m) => m.mountPoint === '/docs')!;
  assert.equal(docs.root, '/home/ann/my docs');
  assert.equal(docs.dev, '254:0');
  const mounts = bindMounts(CONTAINER, OWN);
  assert.ok(!mounts.some((m) => m.inside === '/proc'), 'proc is not a host directory');
  assert.deepEqual(insideToHost('/docs/a b.txt', mounts)?.host, '/home/ann/my docs/a b.txt');
});

test('a bind mount maps by device and root; a nested mount wins inside it', () => {
  const mounts = bindMounts(CONTAINER, OWN);
  assert.equal(insideToHost('/src/main.c', mounts)?.host, '/home/ann/proj/main.c');
  assert.equal(insideToHost('/src/build/app', mounts)?.host, '/data/cache/build/app', 'the nested mount, from the second disk');
  assert.equal(insideToHost('/src', mounts)?.host, '/home/ann/proj');
  assert.equal(insideToHost('/srcfoo/x', mounts)?.mount.inside, '/', 'whole components only');
});

test('a device this process mounts only in part: the mount whose root holds the source', () => {
  // Here (a dev container) only the workspace directory of the host disk is mounted, at /workspaces/proj.
  const own = parseMountinfo('50 1 254:0 /home/ann/proj /workspaces/proj rw - ext4 /dev/vda rw\n51 1 0:60 / / rw - overlay overlay rw');
  const mounts = bindMounts(CONTAINER, own);
  assert.equal(insideToHost('/src/main.c', mounts)?.host, '/workspaces/proj/main.c');
  assert.equal(insideToHost('/etc/hosts', mounts), undefined, 'the host file outside what is mounted here maps nowhere');
  const root: WorkspaceRoot = { name: 'proj', path: '/workspaces/proj', real: '/workspaces/proj' };
  const a = resolvePath('/src/main.c', ctx({ mounts, roots: [root], exists: (p) => p === '/workspaces/proj/main.c' }));
  assert.ok(!('why' in a) && a.path === '/workspaces/proj/main.c', JSON.stringify(a));
});

test('what the runtime reports fills in where mountinfo gave nothing', () => {
  const mounts = bindMounts([], OWN, [{ source: '/home/ann/proj', destination: '/app/' }], 'docker inspect');
  assert.deepEqual(insideToHost('/app/main.c', mounts), { host: '/home/ann/proj/main.c', mount: { inside: '/app', host: '/home/ann/proj', via: 'docker inspect' } });
  const both = bindMounts(CONTAINER, OWN, [{ source: '/elsewhere', destination: '/src' }], 'docker inspect');
  assert.equal(insideToHost('/src/main.c', both)?.mount.via, 'mountinfo', 'the kernel is believed first');
});

test('a container path under the bind mount is the workspace file, and says how', () => {
  const a = resolvePath('/src/data.txt', ctx());
  assert.ok(!('why' in a), JSON.stringify(a));
  assert.equal(a.path, '/home/ann/proj/data.txt');
  assert.equal(a.rel, 'data.txt');
  assert.match(a.via, /\/src ← \/home\/ann\/proj \(the container's mountinfo\) → workspace folder proj/);
});

test('no match says why: the image, outside the workspace, missing, relative, mounts unknown', () => {
  const why = (a: ReturnType<typeof resolvePath>) => ('why' in a ? a.why : `mapped: ${a.path}`);
  assert.match(why(resolvePath('/etc/passwd', ctx())), /in the container's own filesystem \(its image\)/);
  assert.match(why(resolvePath('/etc/hosts', ctx())), /is \/var\/lib\/docker\/containers\/c1\/hosts on this host .* outside the workspace folders \(proj\)/);
  assert.match(why(resolvePath('/src/missing.conf', ctx())), /is \/home\/ann\/proj\/missing.conf .*which does not exist/);
  assert.match(why(resolvePath('data.txt', ctx())), /relative to its process's working directory/);
  assert.match(why(resolvePath('/src/../data.txt', ctx())), /in the container's own filesystem/, '.. leaves the mount');
  assert.match(why(resolvePath('/src/main.c', ctx({ mounts: undefined, mountsWhy: 'the container exited' }))), /mounts could not be read \(the container exited\).*sourceFileMap/);
});

test('a workspace folder reached through a symlink: the real path the mount names is in it', () => {
  const root: WorkspaceRoot = { name: 'proj', path: '/home/ann/link-to-proj', real: '/home/ann/proj' };
  assert.deepEqual(hostToWorkspace('/home/ann/proj/main.c', [root]), { root, rel: 'main.c' });
  const a = resolvePath('/src/main.c', ctx({ roots: [root] }));
  assert.ok(!('why' in a) && a.path === '/home/ann/link-to-proj/main.c', JSON.stringify(a));
});

test('DWARF names: through the mounts, the same host path, then the longest suffix; relative names by suffix', () => {
  const c = ctx();
  const m = resolveDwarf('/src/main.c', c, 12);
  assert.ok(!('why' in m) && m.path === '/home/ann/proj/main.c' && m.line === 12 && /mountinfo/.test(m.via), JSON.stringify(m));
  const host = resolveDwarf('/home/ann/proj/main.c', c);
  assert.ok(!('why' in host) && /same path on this host/.test(host.via), JSON.stringify(host));
  // Built elsewhere (a CI's checkout): src/util.c shares two components with one file, one with the others.
  const ci = resolveDwarf('/builds/job42/src/util.c', c, 3);
  assert.ok(!('why' in ci) && ci.rel === 'src/util.c' && /2 of 4 components/.test(ci.via), JSON.stringify(ci));
  const rel = resolveDwarf('lib/util.c', c);
  assert.ok(!('why' in rel) && rel.rel === 'lib/util.c', JSON.stringify(rel));
  const tie = resolveDwarf('util.c', c);
  assert.ok(!('why' in tie) && tie.rel === 'lib/util.c' && /3 files tie, the shortest path taken/.test(tie.via), JSON.stringify(tie));
  const none = resolveDwarf('/usr/src/glibc/stdio.c', c);
  assert.ok('why' in none && /no file named stdio.c in the workspace folders \(proj\); map \/usr\/src\/glibc with containerTrace.sourceFileMap/.test(none.why), JSON.stringify(none));
});

test('a DWARF name the mounts place in an existing file outside the workspace is that file, not a namesake in it', () => {
  const c = ctx({ exists: (p) => FILES.has(p) || p === '/data/cache/build/main.c' });
  const a = resolveDwarf('/src/build/main.c', c);
  assert.ok('why' in a && /is \/data\/cache\/build\/main.c on this host .*outside the workspace folders/.test(a.why), JSON.stringify(a));
  const gone = resolveDwarf('/src/build/main.c', ctx());
  assert.ok(!('why' in gone) && gone.rel === 'main.c', 'the mounted file gone: the suffix match stands');
});

test('sourceFileMap entries come first, the longest prefix, for DWARF names and container paths', () => {
  const c = ctx({ substitutions: [{ from: '/build', to: '/home/ann/proj/lib' }, { from: '/build/top', to: '/home/ann/proj' }] });
  const a = resolveDwarf('/build/top/main.c', c, 4);
  assert.ok(!('why' in a) && a.path === '/home/ann/proj/main.c' && /sourceFileMap: \/build\/top → \/home\/ann\/proj/.test(a.via), JSON.stringify(a));
  const b = resolvePath('/build/util.c', c);
  assert.ok(!('why' in b) && b.rel === 'lib/util.c', JSON.stringify(b));
});

test('Remote-SSH: a remote folder is named by its path on the remote host, where the containers and the mounts are', () => {
  // The window's folder vscode-remote://ssh-remote+devbox/home/ann/proj: its path is the remote host's (the extension runs there).
  const remote: WorkspaceRoot = { name: 'proj [SSH: devbox]', path: '/home/ann/proj', real: '/home/ann/proj' };
  const a = resolvePath('/src/main.c', ctx({ roots: [remote] }));
  assert.ok(!('why' in a) && a.root === '/home/ann/proj' && a.rel === 'main.c' && /workspace folder proj \[SSH: devbox\]/.test(a.via), JSON.stringify(a));
});
