/**
 * The sudo password reaches sudo only: it is written when sudo prints its
 * own (unique) prompt, never before and never when sudo does not ask (its
 * credentials cached) — then the helper would read it on its stdin.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startHelper } from '../../src/client/helper-process';
import type { HelperPlan } from '../../src/client/elevation';

/** A stand-in for `sudo -S -p PROMPT -- helper`: prompts or not, then records what reached "the helper". */
function fakeSudo(dir: string, prompts: boolean): string {
  const script = path.join(dir, prompts ? 'sudo-asks' : 'sudo-cached');
  const seen = path.join(dir, 'helper-stdin');
  fs.writeFileSync(
    script,
    `#!/bin/sh
${prompts ? 'printf "%s" "$PROMPT" >&2; read -r pw; echo "sudo got: $pw" > ' + path.join(dir, 'sudo-read') : ''}
# the "helper": whatever arrives on stdin within a moment
timeout 1 cat > ${seen}
exit 1
`,
    { mode: 0o755 },
  );
  return script;
}

for (const prompts of [false, true]) {
  test(`the password is written ${prompts ? 'after sudo\'s own prompt, to sudo' : 'not at all when sudo does not ask'}`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ct-pw-'));
    const prompt = '[container-trace 0123456789abcdef] password:';
    process.env.PROMPT = prompt;
    const plan: HelperPlan = { argv: [fakeSudo(dir, prompts)], how: 'test', needsPassword: true, sudoPrompt: prompt, installed: true, install: { state: 'ok', version: '0' } };
    await assert.rejects(startHelper(plan, { password: 'hunter2-secret', client: { name: 't', version: '0' }, timeoutMs: 5000 }), /exited before it was ready/);
    const helperSaw = fs.readFileSync(path.join(dir, 'helper-stdin'), 'utf8');
    assert.doesNotMatch(helperSaw, /hunter2/, 'the helper never reads the password');
    if (prompts) assert.equal(fs.readFileSync(path.join(dir, 'sudo-read'), 'utf8'), 'sudo got: hunter2-secret\n');
    fs.rmSync(dir, { recursive: true, force: true });
  });
}
