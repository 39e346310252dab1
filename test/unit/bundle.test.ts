/**
 * The extension bundle loads no native code: koffi (and libbpf behind it)
 * belong to the root side. A user's extension copy has no koffi at all
 * (it runs elevated from the installed helper), so loading it must not ask.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from '../support/paths';

test('dist/extension.js loads without koffi', () => {
  const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const original = loader._load;
  const asked: string[] = [];
  const file = path.join(REPO, 'dist', 'extension.js');
  // Every vscode API name the bundle uses, as a class to extend or a value to read while loading.
  const names = new Set([...fs.readFileSync(file, 'utf8').matchAll(/\bvscode\d*\.(\w+)/g)].map((m) => m[1]));
  const anything: unknown = new Proxy(class {}, { get: (t, key) => (key === 'prototype' ? (t as { prototype: unknown }).prototype : anything) });
  const vscode = Object.fromEntries([...names].map((n) => [n, anything]));
  loader._load = function (request: string, parent: unknown, isMain: boolean) {
    if (request === 'vscode') return vscode;
    if (request === 'koffi' || request.endsWith('.node')) asked.push(request);
    return original.call(this, request, parent, isMain);
  };
  try {
    delete require.cache[file];
    const ext = require(file) as { activate?: unknown };
    assert.equal(typeof ext.activate, 'function');
  } finally {
    loader._load = original;
  }
  assert.deepEqual(asked, [], 'native modules required at load');
});
