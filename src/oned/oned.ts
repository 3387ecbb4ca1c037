import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ActorSystem, type ActorRef, type ExitReason } from '../actors/index.js';
import { ApiServer } from '../api/transports/socketio.js';
import { ONE_METHODS, XMLRPC_PATH, XmlRpcDoor } from '../api/transports/xmlrpc/index.js';
import { apiHandlers } from '../api/handlers/index.js';
import { DEFAULT_API_LIMITS, type ApiLimits } from '../api/api-limits.js';
import { LoginGate } from '../auth/login-gate.js';
import { NodeGateway } from '../gateway/node-gateway.js';
import { HOST_POOL } from '../hosts/host-subtree.js';
import { DEFAULT_MONITORING_LIMITS, MonitoringBook } from '../hosts/monitoring-book.js';
import { IMAGE_POOL } from '../images/image-subtree.js';
import type { ImagePoolMsg } from '../images/image-pool.js';
import { NETWORK_POOL } from '../networks/network-subtree.js';
import type { NetworkPoolMsg } from '../networks/network-pool.js';
import { USER_POOL } from '../users/user-subtree.js';
import { TEMPLATE_POOL, VM_POOL } from '../vms/vm-subtree.js';
import { Store } from '../store/index.js';
import { createOnedMetrics } from '../metrics/oned-metrics.js';
import { ensureOneadmin } from '../users/bootstrap.js';
import { currentSession } from '../users/session.js';
import { UserDirectory } from '../users/user-directory.js';
import { UPLOAD_CHUNK_BYTES } from '../images/image-record.js';
import { HostDeployer } from '../hosts/host-deployer.js';
import { ensureOnedKey } from '../ssh/oned-key.js';
import { listen } from './listener.js';
import type { OnedConfig } from './oned-config.js';
import { actorDirectory, type ActorDirectory } from './registry-names.js';
import { rootSupervisor } from './root-supervisor.js';
import { onedSubtrees } from './subtrees.js';

export type { OnedConfig } from './oned-config.js';

export const VERSION = '0.1.0';

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

/**
 * Starts the front-end: the store, the root supervisor over the domains'
 * subtrees (./subtrees.ts lists them, in start order), the node gateway and
 * the API, on one port.
 */
export async function startOned(config: OnedConfig): Promise<Oned> {
  const log = config.log;
  // Secrets and the store live here: nobody else reads it.
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  await chmod(config.dataDir, 0o700);
  // Before the store, whose writes it times; the gauges that read the actors come with them.
  const metrics = createOnedMetrics(log.child({ component: 'metrics' }));
  // Users and groups are read on every API call (the session check, the owners' names): kept in memory too.
  const store = await Store.open(join(config.dataDir, 'db'), {
    log: log.child({ component: 'store' }),
    onWrite: metrics.storeWrite,
    memoryKinds: ['users', 'groups'],
  });
  const authFile = await ensureOneadmin(store, config.dataDir, log, config.userAuthFile);
  const sshKey = await ensureOnedKey(config.dataDir);
  let listening = { host: config.host, port: config.port };
  const deployer = new HostDeployer({
    dataDir: config.dataDir,
    privateKeyFile: sshKey.privateKeyFile,
    listen: () => listening,
    log: log.child({ component: 'deployer' }),
    datastores: join(config.dataDir, 'datastores'),
    ...(config.deployWaitMs === undefined ? {} : { waitMs: config.deployWaitMs }),
  });
  const system = new ActorSystem({ logger: log, name: 'oned' });
  const actors = actorDirectory(system);
  metrics.watch({ stats: () => system.stats(), vmPool: () => actors.lookup(VM_POOL), hostPool: () => actors.lookup(HOST_POOL) });
  // Built before anything listens: a bad configuration fails here.
  // In memory, as the actors: a restarted oned starts with empty windows (docs/monitoring.md).
  const monitoring = new MonitoringBook(config.monitoring ?? DEFAULT_MONITORING_LIMITS);
  const subtrees = onedSubtrees({ config, store, actors, clock: system.clock, metrics, deployer, monitoring });
  // Listening before the actors start: what dials meanwhile is held until they are up, not refused (listener.ts).
  const apiLimits: Readonly<ApiLimits> = Object.freeze({ ...DEFAULT_API_LIMITS, ...config.apiLimits });
  // Shared by the API (it gates logins) and the listener (it refuses an address that failed too many).
  const loginGate = new LoginGate(apiLimits);
  const listener = await listen({
    host: config.host,
    port: config.port,
    route: metrics.route,
    limits: apiLimits,
    blocked: (a) => loginGate.blocked(a),
  });
  listening = { host: config.host, port: listener.port };
  log.info({ url: listener.url, dataDir: config.dataDir }, 'oned listening');
  let closing: Promise<void> | undefined;
  let xmlrpc: XmlRpcDoor | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      xmlrpc?.close();
      await listener.close();
      await system.shutdown();
      await store.close();
      metrics.close();
    })());
  const root = system.spawn(rootSupervisor(subtrees), { name: 'root' });
  try {
    await root.ask({ type: 'which_children' });
    await reconcile(actors, log);
  } catch (err) {
    await close();
    throw err;
  }

  new NodeGateway({ io: listener.io, pool: () => actors.lookup(HOST_POOL), log: log.child({ component: 'gateway' }) });
  const users = () => actors.lookup(USER_POOL);
  const now = config.now ?? Date.now;
  // The session check reads users, never writes them: the user pool does.
  const userDirectory = new UserDirectory(store);
  const api = new ApiServer({
    io: listener.io,
    handlers: apiHandlers({
      hostPool: () => actors.lookup(HOST_POOL),
      vmPool: () => actors.lookup(VM_POOL),
      vm: actors.vm,
      templates: () => actors.lookup(TEMPLATE_POOL),
      users,
      networks: () => actors.lookup(NETWORK_POOL),
      images: () => actors.lookup(IMAGE_POOL),
      deployer,
      version: VERSION,
      monitoring,
    }),
    // An image upload's chunk, and room for the rest of the call.
    maxCallBytes: UPLOAD_CHUNK_BYTES + 64 * 1024,
    limits: apiLimits,
    gate: loginGate,
    // scrypt, behind the API's login gate: allow for a loaded machine.
    authenticate: (user, secret) => users().ask({ type: 'authenticate', user, secret }, { timeoutMs: 15_000 }),
    checkSession: (auth) => currentSession(userDirectory, auth, now()),
    log: log.child({ component: 'api' }),
  });
  // OpenNebula's XML-RPC API on the same port, through the same core: one login gate, one admission for both doors.
  xmlrpc = new XmlRpcDoor({ core: api.core, methods: ONE_METHODS, log: log.child({ component: 'xmlrpc' }), now });
  listener.mount(XMLRPC_PATH, (req, res) => xmlrpc?.serve(req, res));
  listener.open();
  const { url, port } = listener;
  log.info({ url }, 'oned ready');

  const failed = system
    .whenTerminated(root)
    .then((reason) => (reason.type === 'failure' ? reason : new Promise<ExitReason>(() => undefined)));
  return { url, port, authFile, system, store, failed, close };
}

/** What a crash of oned leaves behind, put right before the API serves. The VM pool has read every VM into its index by now. */
async function reconcile(actors: ActorDirectory, log: Logger): Promise<void> {
  const liveVms = await actors.lookup(VM_POOL).ask({ type: 'live_ids' });
  await reconcileLeases(liveVms, actors.lookup(NETWORK_POOL), log);
  await reconcileImages(liveVms, actors.lookup(IMAGE_POOL), log);
}

/**
 * Releases the leases of VMs that are DONE or were never stored: what a
 * crash between a VM's last write and its release (or between a lease and
 * the VM's first write) leaves. Runs before the API serves, so no create is
 * in flight.
 */
async function reconcileLeases(liveVms: readonly number[], networks: ActorRef<NetworkPoolMsg>, log: Logger): Promise<void> {
  const live = new Set(liveVms);
  const { released } = await networks.ask({ type: 'reconcile', live }, { timeoutMs: 60_000 });
  if (released > 0) log.warn({ released }, 'released leases of VMs that are gone');
}

/**
 * What a crash leaves in the images: uses by VMs that are DONE or were never
 * stored are released, and uploads that were under way (LOCKED) go to ERROR.
 * Runs before the API serves, so no create or upload is in flight.
 */
async function reconcileImages(live: readonly number[], images: ActorRef<ImagePoolMsg>, log: Logger): Promise<void> {
  const { released } = await images.ask({ type: 'reconcile', live }, { timeoutMs: 60_000 });
  const { failed } = await images.ask({ type: 'abandon_uploads' });
  if (released > 0 || failed > 0)
    log.warn({ released, failed }, 'images reconciled: uses of VMs that are gone released, unfinished uploads in ERROR');
}
