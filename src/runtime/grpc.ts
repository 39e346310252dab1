/** gRPC clients of containerd and CRI over a unix socket, from the definitions in ./proto. */
import type * as grpc from '@grpc/grpc-js';
import { RUNTIME_PROTO } from './proto';
import { RuntimeError } from './types';
import { CALL_DEADLINE_MS, RuntimeTimeoutError, seconds } from './deadline';

// gRPC, its loader and protobufjs cost about 30 ms to load: only a start that
// talks to containerd or CRI pays it (a Docker or Podman trace never does).
let grpcModule: typeof grpc | undefined;
const g = (): typeof grpc => (grpcModule ??= require('@grpc/grpc-js') as typeof grpc);

let definition: grpc.GrpcObject | undefined;

/** The parsed services (once per process). */
function services(): grpc.GrpcObject {
  if (definition) return definition;
  const protobuf = require('protobufjs') as typeof import('protobufjs');
  const protoLoader = require('@grpc/proto-loader') as typeof import('@grpc/proto-loader');
  const root = new protobuf.Root();
  for (const part of RUNTIME_PROTO.split(/^(?=package )/m).filter((p) => p.trim())) {
    protobuf.parse('syntax = "proto3";\n' + part, root, { keepCase: true });
  }
  const pkg = protoLoader.fromJSON(root.toJSON(), { keepCase: true, longs: Number, enums: Number, defaults: true, oneofs: true });
  definition = g().loadPackageDefinition(pkg);
  return definition;
}

/** A unary method of a loaded service client: request and response are checked by the callers' types. */
type Call = (req: object, metadata: grpc.Metadata, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;
type AnyClient = grpc.Client & Record<string, Call>;

/**
 * One service client per socket and service name, closed by close(). Every
 * call has a deadline (CALL_DEADLINE_MS unless told). `connectPath` is
 * where it connects when that is not `socketPath` (a socket pinned inside a
 * container, reached through its descriptor): after close() nothing
 * connects there again.
 */
export class GrpcSocket {
  private readonly clients = new Map<string, AnyClient>();
  private closed = false;

  constructor(
    readonly socketPath: string,
    private readonly timeoutMs = CALL_DEADLINE_MS,
    private readonly connectPath = socketPath,
  ) {}

  private client(service: string): AnyClient {
    if (this.closed) throw new RuntimeError(`${this.socketPath}: closed (its container is gone or its socket changed)`);
    let c = this.clients.get(service);
    if (!c) {
      const Ctor = service.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], services()) as typeof grpc.Client;
      // grpc-js speaks HTTP/2 to the socket; :authority "localhost" as containerd's clients send it.
      // Its own subchannels: a connection is never shared with another client of the same path.
      c = new Ctor(`unix://${this.connectPath}`, g().credentials.createInsecure(), {
        'grpc.default_authority': 'localhost',
        'grpc.max_receive_message_length': 64 << 20,
        'grpc.use_local_subchannel_pool': 1,
      }) as AnyClient;
      this.clients.set(service, c);
    }
    return c;
  }

  /** One unary call; `namespace` goes in the containerd-namespace header. */
  call<Res>(service: string, method: string, request: object, namespace?: string): Promise<Res> {
    const md = new (g().Metadata)();
    if (namespace) md.set('containerd-namespace', namespace);
    return new Promise<Res>((resolve, reject) => {
      const client = this.client(service);
      client[method](request, md, { deadline: Date.now() + this.timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as Res)));
    });
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

/** A gRPC failure as a runtime error that says what to do. */
export function explainGrpc(what: string, socketPath: string, err: unknown): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const e = err as grpc.ServiceError & { code?: number };
  const details = e.details || e.message || String(err);
  if (/ENOENT|No such file/.test(details)) return new RuntimeError(`no ${what} socket at ${socketPath}: is it running?`);
  if (/EACCES|permission denied/i.test(details)) return new RuntimeError(`permission denied on ${socketPath}: ${what} is read by root (the helper lists it)`);
  if (/ECONNREFUSED/.test(details)) return new RuntimeError(`${socketPath} refused the connection: is ${what} running?`);
  if (e.code === g().status.UNIMPLEMENTED) return new RuntimeError(`${socketPath} does not serve the ${what} API (${details})`);
  if (e.code === g().status.DEADLINE_EXCEEDED) return new RuntimeTimeoutError(`${what} at ${socketPath} did not answer within ${seconds(CALL_DEADLINE_MS)}`);
  return new RuntimeError(`${what} at ${socketPath}: ${details}`);
}
