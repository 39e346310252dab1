/**
 * Run as an unprivileged user by the privilege tests: starts the helper the
 * way the extension does (planHelper + startHelper; sudo -S with the
 * password read from this script's stdin), traces exec in a container for a
 * while, prints events as JSON lines. Usage: node sudo-client.js <container> <seconds> <version>
 */
import { planHelper } from '../../src/client/elevation';
import { startHelper } from '../../src/client/helper-process';
import { TraceStart, TraceStop } from '../../src/protocol';
import { TraceReceiver } from '../../src/client/trace-receiver';

async function main() {
  const [container, seconds, version] = process.argv.slice(2);
  const password = await new Promise<string>((resolve) => {
    let buf = '';
    process.stdin.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\n')) {
        process.stdin.destroy();
        resolve(buf.slice(0, buf.indexOf('\n')));
      }
    });
  });
  const plan = planHelper({ mode: 'sudo', cliPath: '/nonexistent/cli.js', version });
  process.stderr.write(`plan: ${plan.how}; password needed: ${plan.needsPassword}\n`);
  const h = await startHelper(plan, { password, client: { name: 'sudo-client', version: '1' } });
  const receiver = new TraceReceiver((_id, events) => events.forEach((e) => process.stdout.write(JSON.stringify(e) + '\n')));
  receiver.listen(h.connection);
  const r = await h.connection.sendRequest(TraceStart, { gadget: 'exec', container });
  receiver.started('exec', r);
  process.stderr.write('ready\n');
  await new Promise((res) => setTimeout(res, Number(seconds) * 1000));
  await h.connection.sendRequest(TraceStop, { sessionId: r.sessionId });
  h.child.stdin!.end();
  await h.exited;
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
});
