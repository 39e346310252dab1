/** The real helper server and a client, joined by in-memory streams. */
import { PassThrough } from 'node:stream';
import { connectHelper } from '../../src/client/helper-reader';
import { serveHelper } from '../../src/helper/server';
import { Initialize, PROTOCOL_VERSION } from '../../src/protocol';

export function helperPair() {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const logs: string[] = [];
  const server = serveHelper(toServer, toClient, {}, (l) => logs.push(l));
  // The client reads as the extension does (strict frames, binary record frames).
  const client = connectHelper({ stdout: toClient, stdin: toServer });
  client.listen();
  const init = () => client.sendRequest(Initialize, { protocolVersion: PROTOCOL_VERSION, client: { name: 'unit', version: '1' } });
  return { server, client, toServer, logs, init, dispose: () => (client.dispose(), server.close('test done')) };
}
