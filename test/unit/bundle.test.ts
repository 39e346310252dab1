/**
 * The extension bundle holds no root-side code and loads no native code.
 * What runs as root (src/engine/, src/bpf/, src/uprobe/, src/helper/, the
 * installer, the kinds' root parts) is kept out by the imports themselves
 * (the lint rules in eslint.config.mjs); this holds the built bundle to it.
 * koffi (and libbpf behind it) belong to the root side: a user's extension
 * copy has no koffi at all (it runs elevated from the installed helper), so
 * loading it must not ask.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from '../support/paths';

const BUNDLE = path.join(REPO, 'dist', 'extension.js');

/** Modules that run as root only. */
const ROOT_SIDE = [/^src\/(engine|bpf|uprobe|helper)\//, /^src\/install\/installer\.ts$/, /^src\/kinds\/root-[\w-]+\.ts$/, /^src\/kinds\/[\w-]+\/root\.ts$/];

test('dist/extension.js holds no root-side module', () => {
  const map = JSON.parse(fs.readFileSync(`${BUNDLE}.map`, 'utf8')) as { sources: string[] };
  const modules = map.sources.map((s) => path.relative(REPO, path.resolve(path.dirname(BUNDLE), s)));
  assert.ok(modules.includes('src/kinds/client-registry.ts'), 'the source map lists the bundled modules');
  assert.deepEqual(
    modules.filter((m) => ROOT_SIDE.some((re) => re.test(m))),
    [],
    'root-side modules in the extension bundle',
  );
});

test('dist/extension.js loads without koffi', () => {
  const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const original = loader._load;
  const asked: string[] = [];
  // Every vscode API name the bundle uses, as a class to extend or a value to read while loading.
  const names = new Set([...fs.readFileSync(BUNDLE, 'utf8').matchAll(/\bvscode\d*\.(\w+)/g)].map((m) => m[1]));
  const anything: unknown = new Proxy(class {}, { get: (t, key) => (key === 'prototype' ? (t as { prototype: unknown }).prototype : anything) });
  const vscode = Object.fromEntries([...names].map((n) => [n, anything]));
  loader._load = function (request: string, parent: unknown, isMain: boolean) {
    if (request === 'vscode') return vscode;
    if (request === 'koffi' || request.endsWith('.node')) asked.push(request);
    return original.call(this, request, parent, isMain);
  };
  try {
    delete require.cache[BUNDLE];
    const ext = require(BUNDLE) as { activate?: unknown };
    assert.equal(typeof ext.activate, 'function');
  } finally {
    loader._load = original;
  }
  assert.deepEqual(asked, [], 'native modules required at load');
});
