import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  ActorSystem, dynamicSupervisor, supervisor, type ActorContext, type ActorRef, type DynamicSupervisorMsg, type ExitReason,
} from '../actors/index.js';
import { ApiServer } from '../api/api-server.js';
import { apiHandlers } from '../api/handlers/index.js';
import { DEFAULT_API_LIMITS, type ApiLimits } from '../api/api-limits.js';
import type { HostView } from '../api/api-types.js';
import { LoginGate } from '../auth/login-gate.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { NepheleError } from '../errors.js';
import { NodeGateway } from '../gateway/node-gateway.js';
import { HostActor, type HostMsg } from '../hosts/host-actor.js';
import { HostPool, hostChildName, type HostPoolMsg } from '../hosts/host-pool.js';
import { VmActor, vmActorName, type VmActorDeps, type VmMsg } from '../vms/vm-actor.js';
import { VmPool, type VmPoolMsg } from '../vms/vm-pool.js';
import { VmIndex } from '../vms/vm-index.js';
import { TemplatePool, type TemplatePoolMsg } from '../vms/template-pool.js';
import { PlacementActor, type PlacementMsg } from '../placement/placement-actor.js';
import { DEFAULT_PLACEMENT, type PlacementOptions } from '../placement/placement-core.js';
import type { VmRecord } from '../vms/vm-record.js';
import { Store } from '../store/index.js';
import { createOnedMetrics } from '../metrics/oned-metrics.js';
import { ensureOneadmin } from '../users/bootstrap.js';
import { currentSession } from '../users/session.js';
import { UserPool, type UserPoolMsg } from '../users/user-pool.js';
import { NetworkActor, networkActorName, type NetworkMsg } from '../networks/network-actor.js';
import { NetworkPool, type NetworkPoolMsg } from '../networks/network-pool.js';
import { macPrefix } from '../networks/address.js';
import { IMAGE_POOL, ImagePool, type ImagePoolMsg } from '../images/image-pool.js';
import { UPLOAD_CHUNK_BYTES } from '../images/image-record.js';
import type { UserRecord } from '../users/user-record.js';
import { HostDeployer } from '../hosts/host-deployer.js';
import { SshTransfers } from '../hosts/ssh-transfers.js';
import { DEFAULT_HOST_FAILURE, type HostFailureOptions } from '../hosts/host-failure.js';
import { DEFAULT_MONITOR_BUDGET, monitorFloorMs } from '../hosts/monitor-budget.js';
import type { HostRecord } from '../hosts/host-record.js';
import { ensureOnedKey } from '../ssh/oned-key.js';
import { listen } from './listener.js';

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
  /** The scheduler's policy and limits. @default DEFAULT_PLACEMENT */
  readonly placement?: Readonly<PlacementOptions>;
  /** Run the scheduler; without it VMs wait for `onevm deploy` (OpenNebula without mm_sched). @default true */
  readonly scheduler?: boolean;
  /**
   * Also write oneadmin's first credentials here (bin/oned: ~/.nephele/auth),
   * unless the file exists. Tests leave it unset, so they never touch a home
   * directory. @default none
   */
  readonly userAuthFile?: string;
  /** Wall clock for login tokens, ms since the epoch. @default Date.now */
  readonly now?: () => number;
  /** OpenNebula's MAC_PREFIX: the first two bytes of the MACs derived from IPs. @default '02:00' */
  readonly macPrefix?: string;
  /** How long `onehost create --ssh` waits for a deployed agent to dial back. @default 30000 */
  readonly deployWaitMs?: number;
  /** What happens to the VMs of a host that stays lost (OpenNebula's host_error hook). @default none */
  readonly hostFailure?: HostFailureOptions;
  /**
   * Monitoring pushes per second oned takes from all hosts together: each
   * agent's hello asks it to push no more often than the host count allows
   * (src/hosts/monitor-budget.ts). @default DEFAULT_MONITOR_BUDGET (100)
   */
  readonly monitorBudget?: number;
  /** How long each kind of VM operation may go without an outcome (ms). @default DEFAULT_OPERATION_DEADLINES (src/vms/vm-actor.ts) */
  readonly operationDeadlines?: VmActorDeps['operationDeadlines'];
  /** What one caller may hold of oned: calls in flight, logins, unauthenticated connections (docs/security.md). @default DEFAULT_API_LIMITS */
  readonly apiLimits?: Partial<ApiLimits>;
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
const VM_SUPERVISOR = 'vm-supervisor';
const VM_POOL = 'vm-pool';
const TEMPLATE_POOL = 'template-pool';
const PLACEMENT = 'placement';
const USER_POOL = 'user-pool';
const NETWORK_SUPERVISOR = 'network-supervisor';
const NETWORK_POOL = 'network-pool';

/**
 * Starts the front-end: the store, the actor tree (root supervisor → host
 * supervisor, host pool), the node gateway and the API, on one port.
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
    log: log.child({ component: 'store' }), onWrite: metrics.storeWrite, memoryKinds: ['users', 'groups'],
  });
  const authFile = await ensureOneadmin(store, config.dataDir, log, config.userAuthFile);
  const sshKey = await ensureOnedKey(config.dataDir);
  let listening = { host: config.host, port: config.port };
  const deployer = new HostDeployer({
    dataDir: config.dataDir, privateKeyFile: sshKey.privateKeyFile, listen: () => listening, log: log.child({ component: 'deployer' }),
    datastores: join(config.dataDir, 'datastores'),
    ...(config.deployWaitMs === undefined ? {} : { waitMs: config.deployWaitMs }),
  });
  const system = new ActorSystem({ logger: log, name: 'oned' });
  const lookup = <M>(name: string): ActorRef<M> => {
    const ref = system.lookup<M>(name);
    if (ref === undefined) throw new NepheleError('ACTOR_STOPPED', `${name} is not running`);
    return ref;
  };
  metrics.watch({ stats: () => system.stats(), vmPool: () => lookup<VmPoolMsg>(VM_POOL), hostPool: () => lookup<HostPoolMsg>(HOST_POOL) });
  const vmRef = (id: number): ActorRef<VmMsg> | undefined => system.lookup<VmMsg>(vmActorName(id));
  const hostRef = (id: number): ActorRef<HostMsg> | undefined => system.lookup<HostMsg>(hostChildName(id));
  // The host pool's count, read by each host actor when its agent connects.
  const monitorBudget = config.monitorBudget ?? DEFAULT_MONITOR_BUDGET;
  let monitorFloor = monitorFloorMs(0, monitorBudget);
  const hostDeps = {
    store, heartbeatMs: config.heartbeatMs, lostAfterMs: config.lostAfterMs, initGraceMs: 3 * config.lostAfterMs, vm: vmRef,
    announceVms: (hostId: number) => system.lookup<VmPoolMsg>(VM_POOL)?.tell({ type: 'announce', hostId }),
    kickPlacement: () => placementRef()?.tell({ type: 'kick' }),
    linkRtt: metrics.linkRtt,
    failure: config.hostFailure ?? DEFAULT_HOST_FAILURE,
    fence: (record: HostRecord) => deployer.fence(record),
    datastores: join(config.dataDir, 'datastores'),
    monitorFloorMs: () => monitorFloor,
    monitoringPush: metrics.monitoring.push,
  };
  const preloaded = new Map<number, VmRecord>();
  // Outlives the pool's restarts: the records in it are the actors' own.
  const vmIndex = new VmIndex();
  const placementRef = (): ActorRef<PlacementMsg> | undefined => system.lookup<PlacementMsg>(PLACEMENT);
  const networkRef = (id: number): ActorRef<NetworkMsg> | undefined => system.lookup<NetworkMsg>(networkActorName(id));
  // The datastores (OpenNebula's /var/lib/one/datastores): 0 the system one (a directory per VM), 1 the images.
  // Hosts reach them at the same path (TM_MAD = shared): the local agent, and agents given --datastores.
  const datastores = join(config.dataDir, 'datastores');
  const imagePoolRef = (): ActorRef<ImagePoolMsg> | undefined => system.lookup<ImagePoolMsg>(IMAGE_POOL);
  const vmDeps = {
    store, host: hostRef, preloaded, index: vmIndex, placement: placementRef, network: networkRef,
    datastores: { vmDir: (id: number) => join(datastores, '0', String(id)), images: join(datastores, '1') },
    images: imagePoolRef,
    hostName: async (id: number) => (await hostRef(id)?.ask<HostView>({ type: 'info' }))?.name,
    // TM_MAD = ssh: the host's own datastores, reached over SSH with the key its agent was deployed with.
    hostSsh: async (id: number) => {
      const record = await hostRef(id)?.ask<HostRecord>({ type: 'record' });
      return record?.tm === 'ssh' ? record.ssh : undefined;
    },
    transfers: new SshTransfers({ connect: (ssh) => deployer.connect(ssh), log: log.child({ component: 'tm-ssh' }) }),
    ...(config.operationDeadlines === undefined ? {} : { operationDeadlines: config.operationDeadlines }),
  };
  // Checked before anything starts: a bad prefix is a configuration error, not a runtime one.
  const prefix = macPrefix(config.macPrefix ?? '02:00');
  const now = config.now ?? Date.now;
  const userDeps = { store, throttle: new LoginThrottle(system.clock), now };
  // Listening before the actors start: what dials meanwhile is held until they are up, not refused (listener.ts).
  const apiLimits: Readonly<ApiLimits> = Object.freeze({ ...DEFAULT_API_LIMITS, ...config.apiLimits });
  // Shared by the API (it gates logins) and the listener (it refuses an address that failed too many).
  const loginGate = new LoginGate(apiLimits);
  const listener = await listen({ host: config.host, port: config.port, route: metrics.route, limits: apiLimits, blocked: (a) => loginGate.blocked(a) });
  listening = { host: config.host, port: listener.port };
  log.info({ url: listener.url, dataDir: config.dataDir }, 'oned listening');
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
          store, supervisor: () => lookup<DynamicSupervisorMsg<number>>(HOST_SUPERVISOR), dataDir: config.dataDir,
          onCount: (hosts) => {
            monitorFloor = monitorFloorMs(hosts, monitorBudget);
            metrics.monitoring.floor(monitorFloor);
          },
        }),
        spawn: { register: HOST_POOL },
      },
      {
        id: VM_SUPERVISOR,
        start: dynamicSupervisor<number>({
          start: (vmId) => (ctx: ActorContext<VmMsg>) => new VmActor(ctx, vmId, vmDeps),
          // A VM that reached DONE stops for good; only a crash brings it back.
          restart: 'transient',
          maxRestarts: 100,
          periodMs: 10_000,
          backoff: { minMs: 0, maxMs: 5_000 },
        }),
        spawn: { register: VM_SUPERVISOR },
      },
      {
        id: VM_POOL,
        start: (ctx: ActorContext<VmPoolMsg>) => new VmPool(ctx, {
          store, supervisor: () => lookup<DynamicSupervisorMsg<number>>(VM_SUPERVISOR), vm: vmRef, preloaded, index: vmIndex,
          networks: () => lookup<NetworkPoolMsg>(NETWORK_POOL), network: networkRef,
          images: () => lookup<ImagePoolMsg>(IMAGE_POOL), datastores,
        }),
        spawn: { register: VM_POOL },
      },
      ...(config.scheduler === false ? [] : [{
        id: PLACEMENT,
        start: (ctx: ActorContext<PlacementMsg>) => new PlacementActor(ctx, {
          hostPool: () => lookup<HostPoolMsg>(HOST_POOL), vm: vmRef, options: config.placement ?? DEFAULT_PLACEMENT, metrics: metrics.placement,
          helloVms: () => system.lookup<VmPoolMsg>(VM_POOL)?.tell({ type: 'sched_hello' }),
        }),
        spawn: { register: PLACEMENT },
      }]),
      {
        id: TEMPLATE_POOL,
        start: () => new TemplatePool(store, () => lookup<VmPoolMsg>(VM_POOL)),
        spawn: { register: TEMPLATE_POOL },
      },
      {
        id: USER_POOL,
        start: (ctx: ActorContext<UserPoolMsg>) => new UserPool(ctx, userDeps),
        spawn: { register: USER_POOL },
      },
      // Last, so that a crash of the network pool restarts nothing before it (VM actors find networks by name).
      {
        id: NETWORK_SUPERVISOR,
        start: dynamicSupervisor<number>({
          start: (id) => (ctx: ActorContext<NetworkMsg>) => new NetworkActor(ctx, id, { store }),
          maxRestarts: 20,
          periodMs: 10_000,
          backoff: { minMs: 0, maxMs: 5_000 },
        }),
        spawn: { register: NETWORK_SUPERVISOR },
      },
      {
        id: NETWORK_POOL,
        start: (ctx: ActorContext<NetworkPoolMsg>) => new NetworkPool(ctx, {
          store, supervisor: () => lookup<DynamicSupervisorMsg<number>>(NETWORK_SUPERVISOR), macPrefix: prefix,
        }),
        spawn: { register: NETWORK_POOL },
      },
      // Last: VM actors find it by name, and a crash of it restarts nothing else.
      {
        id: IMAGE_POOL,
        start: (ctx: ActorContext<ImagePoolMsg>) => new ImagePool(ctx, {
          store, dataDir: config.dataDir, now,
          owners: async () => (await store.list<UserRecord>('users')).map(({ value }) => ({ id: value.id, name: value.name })),
        }),
        spawn: { register: IMAGE_POOL },
      },
    ],
  }), { name: 'root' });
  try {
    await root.ask({ type: 'which_children' });
    // The VM pool has read every VM into its index: the reconciliations take the live ones from it.
    const liveVms = await lookup<VmPoolMsg>(VM_POOL).ask<number[]>({ type: 'live_ids' });
    await reconcileLeases(liveVms, lookup<NetworkPoolMsg>(NETWORK_POOL), log);
    await reconcileImages(liveVms, lookup<ImagePoolMsg>(IMAGE_POOL), log);
  } catch (err) {
    await listener.close();
    await system.shutdown();
    await store.close();
    metrics.close();
    throw err;
  }

  const pool = (): ActorRef<HostPoolMsg> => lookup<HostPoolMsg>(HOST_POOL);
  new NodeGateway({ io: listener.io, pool, log: log.child({ component: 'gateway' }) });
  const vms = (): ActorRef<VmPoolMsg> => lookup<VmPoolMsg>(VM_POOL);
  const templates = (): ActorRef<TemplatePoolMsg> => lookup<TemplatePoolMsg>(TEMPLATE_POOL);
  const users = (): ActorRef<UserPoolMsg> => lookup<UserPoolMsg>(USER_POOL);
  new ApiServer({
    io: listener.io,
    handlers: apiHandlers({
      hostPool: pool, vmPool: vms, vm: vmRef, templates, users, networks: () => lookup<NetworkPoolMsg>(NETWORK_POOL),
      images: () => lookup<ImagePoolMsg>(IMAGE_POOL), deployer, version: VERSION,
    }),
    // An image upload's chunk, and room for the rest of the call.
    maxCallBytes: UPLOAD_CHUNK_BYTES + 64 * 1024,
    limits: apiLimits,
    gate: loginGate,
    // scrypt, behind the API's login gate: allow for a loaded machine.
    authenticate: (user, secret) => users().ask({ type: 'authenticate', user, secret }, { timeoutMs: 15_000 }),
    checkSession: (auth) => currentSession(store, auth, now()),
    log: log.child({ component: 'api' }),
  });
  listener.open();
  const { url, port } = listener;
  log.info({ url }, 'oned ready');

  let closing: Promise<void> | undefined;
  const failed = system.whenTerminated(root).then((reason) => (reason.type === 'failure' ? reason : new Promise<ExitReason>(() => undefined)));
  return {
    url, port, authFile, system, store, failed,
    close() {
      closing ??= (async () => {
        await listener.close();
        await system.shutdown();
        await store.close();
        metrics.close();
      })();
      return closing;
    },
  };
}

/**
 * Releases the leases of VMs that are DONE or were never stored: what a
 * crash between a VM's last write and its release (or between a lease and
 * the VM's first write) leaves. Runs before the API serves, so no create is
 * in flight.
 */
async function reconcileLeases(liveVms: readonly number[], networks: ActorRef<NetworkPoolMsg>, log: Logger): Promise<void> {
  const live = new Set(liveVms);
  const { released } = await networks.ask<{ released: number }>({ type: 'reconcile', live }, { timeoutMs: 60_000 });
  if (released > 0) log.warn({ released }, 'released leases of VMs that are gone');
}

/**
 * What a crash leaves in the images: uses by VMs that are DONE or were never
 * stored are released, and uploads that were under way (LOCKED) go to ERROR.
 * Runs before the API serves, so no create or upload is in flight.
 */
async function reconcileImages(live: readonly number[], images: ActorRef<ImagePoolMsg>, log: Logger): Promise<void> {
  const { released } = await images.ask<{ released: number }>({ type: 'reconcile', live }, { timeoutMs: 60_000 });
  const { failed } = await images.ask<{ failed: number }>({ type: 'abandon_uploads' });
  if (released > 0 || failed > 0) log.warn({ released, failed }, 'images reconciled: uses of VMs that are gone released, unfinished uploads in ERROR');
}
