import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import {
  ActorSystem, dynamicSupervisor, supervisor, type ActorContext, type ActorRef, type DynamicSupervisorMsg, type ExitReason,
} from '../actors/index.js';
import { ApiServer, type ApiHandlers, type Session } from '../api/api-server.js';
import type { HostView } from '../api/api-types.js';
import { NepheleError } from '../errors.js';
import { NodeGateway } from '../gateway/node-gateway.js';
import { HostActor, type HostMsg } from '../hosts/host-actor.js';
import { HostPool, type HostPoolMsg } from '../hosts/host-pool.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { Store } from '../store/index.js';
import { ONEADMIN_ID, authenticator, ensureOneadmin } from './admin-user.js';

export const VERSION = '0.1.0';

export interface OnedConfig {
  readonly dataDir: string;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** @default 2000 */
  readonly heartbeatMs: number;
  /** @default 3 × heartbeatMs */
  readonly lostAfterMs: number;
  readonly log: Logger;
}

export interface Oned {
  readonly url: string;
  readonly port: number;
  readonly authFile: string;
  readonly system: ActorSystem;
  readonly store: Store;
  /** Settles if the root supervisor gives up (restart intensity): oned should then exit so its service manager restarts it. */
  readonly failed: Promise<ExitReason>;
  close(): Promise<void>;
}

const HOST_SUPERVISOR = 'host-supervisor';
const HOST_POOL = 'host-pool';

/**
 * Starts the front-end: the store, the actor tree (root supervisor → host
 * supervisor, host pool), the node gateway and the API, on one port.
 */
export async function startOned(config: OnedConfig): Promise<Oned> {
  const log = config.log;
  // Secrets and the store live here: nobody else reads it.
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  await chmod(config.dataDir, 0o700);
  const store = await Store.open(join(config.dataDir, 'db'), { log: log.child({ component: 'store' }) });
  const authFile = await ensureOneadmin(store, config.dataDir, log);
  const system = new ActorSystem({ logger: log, name: 'oned' });
  const lookup = <M>(name: string): ActorRef<M> => {
    const ref = system.lookup<M>(name);
    if (ref === undefined) throw new NepheleError('ACTOR_STOPPED', `${name} is not running`);
    return ref;
  };
  const hostDeps = { store, heartbeatMs: config.heartbeatMs, lostAfterMs: config.lostAfterMs, initGraceMs: 3 * config.lostAfterMs };
  const root = system.spawn(supervisor({
    strategy: 'rest_for_one',
    maxRestarts: 5,
    periodMs: 10_000,
    children: [
      {
        id: HOST_SUPERVISOR,
        start: dynamicSupervisor<number>({
          start: (hostId) => (ctx: ActorContext<HostMsg>) => new HostActor(ctx, hostId, hostDeps),
          maxRestarts: 20,
          periodMs: 10_000,
          backoff: { minMs: 0, maxMs: 5_000 },
        }),
        spawn: { register: HOST_SUPERVISOR },
      },
      {
        id: HOST_POOL,
        start: (ctx: ActorContext<HostPoolMsg>) => new HostPool(ctx, {
          store, supervisor: () => lookup<DynamicSupervisorMsg<number>>(HOST_SUPERVISOR),
        }),
        spawn: { register: HOST_POOL },
      },
    ],
  }), { name: 'root' });
  await root.ask({ type: 'which_children' });

  const http: HttpServer = createServer();
  const io = new Server(http, { serveClient: false, maxHttpBufferSize: 8 * 1024 * 1024, transports: ['websocket', 'polling'] });
  const pool = (): ActorRef<HostPoolMsg> => lookup<HostPoolMsg>(HOST_POOL);
  new NodeGateway({ io, pool, log: log.child({ component: 'gateway' }) });
  new ApiServer({ io, handlers: handlers(pool), authenticate: authenticator(store, system.clock), log: log.child({ component: 'api' }) });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info({ url, dataDir: config.dataDir }, 'oned listening');

  let closing: Promise<void> | undefined;
  const failed = system.whenTerminated(root).then((reason) => (reason.type === 'failure' ? reason : new Promise<ExitReason>(() => undefined)));
  return {
    url, port, authFile, system, store, failed,
    close() {
      closing ??= (async () => {
        io.disconnectSockets(true);
        await new Promise<void>((resolve) => { io.close(() => resolve()); });
        await system.shutdown();
        await store.close();
      })();
      return closing;
    },
  };
}

function requireOneadmin(session: Session, what: string): void {
  if (session.uid !== ONEADMIN_ID) throw new NepheleError('NOT_AUTHORIZED', `only oneadmin may ${what}`);
}

function handlers(pool: () => ActorRef<HostPoolMsg>): ApiHandlers {
  const host = (ref: string | number): Promise<ActorRef<HostMsg>> => pool().ask<ActorRef<HostMsg>>({ type: 'get', host: ref });
  return {
    'system.version': () => ({ version: VERSION, protocol: PROTOCOL_VERSION }),
    'host.allocate': (p, session) => {
      requireOneadmin(session, 'create hosts');
      return pool().ask({ type: 'allocate', ...p });
    },
    'hostpool.info': async () => (await pool().ask<HostView[]>({ type: 'list' })).sort((a, b) => a.id - b.id),
    'host.info': async (p) => (await host(p.host)).ask<HostView>({ type: 'info' }),
    'host.monitor': async (p) => (await host(p.host)).ask<HostView>({ type: 'monitor' }, { timeoutMs: 15_000 }),
    'host.status': async (p, session) => {
      requireOneadmin(session, 'change host status');
      return (await host(p.host)).ask<HostView>({ type: 'status', action: p.action });
    },
    'host.delete': (p, session) => {
      requireOneadmin(session, 'delete hosts');
      return pool().ask({ type: 'delete', host: p.host, force: p.force });
    },
  };
}
