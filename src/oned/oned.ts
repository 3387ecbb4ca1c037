import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  ActorSystem, dynamicSupervisor, supervisor, type ActorContext, type ActorRef, type DynamicSupervisorMsg, type ExitReason,
} from '../actors/index.js';
import { ApiServer, type ApiHandlers, type Session } from '../api/api-server.js';
import { DEFAULT_API_LIMITS, type ApiLimits } from '../api/api-limits.js';
import type { HostView, TemplateView, VmActionParams } from '../api/api-types.js';
import { hostSeenBy, requireAdmin, requireOwner, visibleTo } from '../auth/authorize.js';
import { LoginGate } from '../auth/login-gate.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { NepheleError, isNepheleError } from '../errors.js';
import { NodeGateway } from '../gateway/node-gateway.js';
import { HostActor, type HostMsg } from '../hosts/host-actor.js';
import { HostPool, hostChildName, type HostPoolMsg } from '../hosts/host-pool.js';
import { VmActor, vmActorName, type VmActorDeps, type VmMsg } from '../vms/vm-actor.js';
import type { UserEvent } from '../vms/vm-lifecycle.js';
import { VmPool, type VmPoolMsg } from '../vms/vm-pool.js';
import { VmIndex } from '../vms/vm-index.js';
import { TemplatePool, type TemplatePoolMsg, type TemplateRecord } from '../vms/template-pool.js';
import { PlacementActor, candidate, type PlacementMsg } from '../placement/placement-actor.js';
import { DEFAULT_PLACEMENT, demand, fits, type PlacementOptions } from '../placement/placement-core.js';
import type { VmRecord, VmView } from '../vms/vm-record.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { Store } from '../store/index.js';
import { createOnedMetrics } from '../metrics/oned-metrics.js';
import { ensureOneadmin } from '../users/bootstrap.js';
import { currentSession } from '../users/session.js';
import { ownerNames, userHandlers } from '../users/user-handlers.js';
import { UserPool, type UserPoolMsg } from '../users/user-pool.js';
import { NetworkActor, networkActorName, type NetworkMsg } from '../networks/network-actor.js';
import { NetworkPool, type NetworkPoolMsg } from '../networks/network-pool.js';
import { networkHandlers } from '../networks/vnet-handlers.js';
import { macPrefix } from '../networks/address.js';
import { IMAGE_POOL, ImagePool, type ImagePoolMsg } from '../images/image-pool.js';
import { imageHandlers } from '../images/image-handlers.js';
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
    handlers: handlers(pool, vms, templates, vmRef, users, () => lookup<NetworkPoolMsg>(NETWORK_POOL), () => lookup<ImagePoolMsg>(IMAGE_POOL), deployer),
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

/** `onevm deploy` bypasses the scheduler, not the capacity check (unless told: --no-enforce). */
async function checkCapacity(vm: VmView, hostRef: ActorRef<HostMsg>): Promise<void> {
  const h = await hostRef.ask<HostView>({ type: 'info' });
  // The scheduler's own rule, so a hand deploy is held to what a placement would be.
  const host = candidate(h);
  const need = demand(vm);
  if (!fits(host, need)) {
    throw new NepheleError('NO_CAPACITY', `host ${h.name} lacks the capacity for VM ${vm.id} (CPU ${host.allocatedCpu}+${need.cpu}/${host.totalCpu}, memory ${host.allocatedMemory}+${need.memory}/${host.totalMemory} KiB); use --no-enforce to deploy anyway`, {
      details: { hostId: h.id, vmId: vm.id },
    });
  }
}

/** The API's flat action into the life cycle's event, with the host resolved to its id. */
async function userEvent(p: VmActionParams, hostId: (ref: string | number) => Promise<number>): Promise<UserEvent> {
  const hard = p.hard === true;
  switch (p.action) {
    case 'deploy': return { type: 'deploy', hostId: await hostId(p.host as string | number) };
    case 'migrate': return { type: 'migrate', hostId: await hostId(p.host as string | number), live: p.live === true };
    case 'terminate': case 'poweroff': case 'reboot': case 'undeploy': return { type: p.action, hard };
    case 'recover': return { type: 'recover', op: p.op ?? 'retry' };
    case 'hold': case 'release': case 'resume': case 'stop': case 'suspend': case 'resched': case 'unresched':
      return { type: p.action };
  }
}

/** As OpenNebula's default ACL: placing, moving and recovering VMs is the administrators' business. */
const ADMIN_ACTIONS: ReadonlySet<VmActionParams['action']> = new Set(['deploy', 'migrate', 'recover']);

function handlers(
  pool: () => ActorRef<HostPoolMsg>,
  vms: () => ActorRef<VmPoolMsg>,
  templates: () => ActorRef<TemplatePoolMsg>,
  vmRef: (id: number) => ActorRef<VmMsg> | undefined,
  users: () => ActorRef<UserPoolMsg>,
  networks: () => ActorRef<NetworkPoolMsg>,
  images: () => ActorRef<ImagePoolMsg>,
  deployer: HostDeployer,
): ApiHandlers {
  const host = (ref: string | number): Promise<ActorRef<HostMsg>> => pool().ask<ActorRef<HostMsg>>({ type: 'get', host: ref });
  const hostId = async (ref: string | number): Promise<number> => (await (await host(ref)).ask<HostView>({ type: 'info' })).id;
  const withHostNames = async (views: VmView[]): Promise<VmView[]> => {
    if (!views.some((v) => v.hostId !== undefined)) return views;
    // The pool's own list of names (of these hosts only, for a few VMs): no host actor is asked.
    const ids = [...new Set(views.flatMap((v) => (v.hostId === undefined ? [] : [v.hostId])))];
    const names = new Map(await pool().ask<[number, string][]>(ids.length <= 16 ? { type: 'names', ids } : { type: 'names' }));
    return views.map((v) => (v.hostId === undefined ? v : { ...v, host: names.get(v.hostId) }));
  };
  const withOwners = async <T extends { readonly uid: number }>(records: readonly T[]): Promise<(T & { user: string; group: string })[]> => {
    const owner = await ownerNames(users);
    return records.map((r) => ({ ...r, ...owner(r.uid) }));
  };
  const vmViews = async (views: VmView[]): Promise<VmView[]> => withOwners(await withHostNames(views));
  /**
   * Asks a VM's actor, the registry first. An actor that stops between the
   * lookup and the ask (its VM reached DONE) is asked of the pool once more,
   * which answers why there is none (VM_NOT_FOUND, ACTION_NOT_ALLOWED for a
   * DONE VM) rather than the internal ACTOR_STOPPED.
   */
  const askVm = async <T>(id: number, msg: VmMsg): Promise<T> => {
    const ref = vmRef(id) ?? (await vms().ask<ActorRef<VmMsg>>({ type: 'get', id }));
    try {
      return await ref.ask<T>(msg);
    } catch (err) {
      if (!isNepheleError(err, 'ACTOR_STOPPED')) throw err;
      return (await vms().ask<ActorRef<VmMsg>>({ type: 'get', id })).ask<T>(msg);
    }
  };
  /** The ids of the caller's VMs, which alone a user sees of a host's (none asked for an administrator, who sees all). */
  const ownVms = async (session: Session): Promise<ReadonlySet<number>> => (session.admin
    ? new Set()
    : new Set((await vms().ask<VmView[]>({ type: 'list', all: false, uid: session.uid })).map((v) => v.id)));
  /** By id (another user's is not found, as a missing one), or by name: the caller's own first. */
  const template = async (ref: number | string, session: Session): Promise<TemplateRecord> => {
    if (typeof ref === 'string') return templates().ask<TemplateRecord>({ type: 'find', name: ref, who: session });
    const r = await templates().ask<TemplateRecord>({ type: 'info', id: ref });
    requireOwner(session, r.uid, `template ${ref}`);
    return r;
  };

  return {
    'template.allocate': (p, session) => templates().ask({ type: 'allocate', template: p.template, uid: session.uid }),
    'templatepool.info': async (_p, session) => withOwners(visibleTo(session, await templates().ask<TemplateRecord[]>({ type: 'list' }))),
    'template.info': async (p, session) => (await withOwners([await template(p.id, session)]))[0] as TemplateView,
    'template.update': async (p, session) => {
      const { id } = await template(p.id, session);
      return templates().ask({ type: 'update', id, template: p.template });
    },
    'template.delete': async (p, session) => {
      const { id } = await template(p.id, session);
      return templates().ask({ type: 'delete', id });
    },
    'template.instantiate': async (p, session) => {
      const { id } = await template(p.id, session);
      return templates().ask({
        type: 'instantiate', id, name: p.name, hold: p.hold, uid: session.uid, gid: session.gid, uname: session.user, admin: session.admin,
      });
    },
    'vm.allocate': (p, session) => vms().ask({
      type: 'allocate', template: p.template, hold: p.hold, uid: session.uid, gid: session.gid, uname: session.user, admin: session.admin,
    }),
    ...networkHandlers(networks, () => ownerNames(users)),
    ...imageHandlers(images, () => ownerNames(users)),
    // The pool pages what the caller may see (everything for an administrator).
    'vmpool.info': async (p, session) => vmViews(visibleTo(session, await vms().ask<VmView[]>({
      type: 'list', all: p.all, ...(session.admin ? {} : { uid: session.uid }),
      ...(p.offset === undefined ? {} : { offset: p.offset }), ...(p.limit === undefined ? {} : { limit: p.limit }),
    }))),
    'vm.info': async (p, session) => {
      const vm = await vms().ask<VmView>({ type: 'info', id: p.id });
      requireOwner(session, vm.uid, `VM ${p.id}`);
      return (await vmViews([vm]))[0] as VmView;
    },
    'vm.action': async (p, session) => {
      if (ADMIN_ACTIONS.has(p.action)) requireAdmin(session, `${p.action} VMs`);
      if (!session.admin) {
        // Before anything else: a refusal must not depend on, or tell, the VM's state.
        const own = vmRef(p.id);
        const current = own === undefined ? await vms().ask<VmView>({ type: 'info', id: p.id }) : await askVm<VmView>(p.id, { type: 'info' });
        requireOwner(session, current.uid, `VM ${p.id}`);
      }
      const event = await userEvent(p, hostId);
      if (event.type === 'deploy' && p.enforce !== false) await checkCapacity(await askVm<VmView>(p.id, { type: 'info' }), await host(event.hostId));
      return (await withOwners([await askVm<VmView>(p.id, { type: 'action', event })]))[0] as VmView;
    },
    ...userHandlers(users, async () => (await vms().ask<number[]>({ type: 'owners' })).map((uid) => ({ uid }))),
    'system.version': () => ({ version: VERSION, protocol: PROTOCOL_VERSION }),
    'host.allocate': (p, session) => {
      requireAdmin(session, 'create hosts');
      return pool().ask({ type: 'allocate', ...p });
    },
    'hostpool.info': async (_p, session) => {
      const hosts = (await pool().ask<HostView[]>({ type: 'list' })).sort((a, b) => a.id - b.id);
      const own = await ownVms(session);
      return hosts.map((h) => hostSeenBy(session, h, own));
    },
    'host.info': async (p, session) => hostSeenBy(session, await (await host(p.host)).ask<HostView>({ type: 'info' }), await ownVms(session)),
    'host.update': async (p, session) => {
      requireAdmin(session, 'update hosts');
      return (await host(p.host)).ask<HostView>({ type: 'update', template: p.template, append: p.append });
    },
    'host.monitor': async (p, session) => {
      requireAdmin(session, 'ask hosts for fresh monitoring');
      return (await host(p.host)).ask<HostView>({ type: 'monitor' }, { timeoutMs: 15_000 });
    },
    'host.status': async (p, session) => {
      requireAdmin(session, 'change host status');
      return (await host(p.host)).ask<HostView>({ type: 'status', action: p.action });
    },
    'host.delete': async (p, session) => {
      requireAdmin(session, 'delete hosts');
      const ref = await host(p.host);
      const view = await ref.ask<HostView>({ type: 'info' });
      if (view.rvm > 0 && !p.force) {
        throw new NepheleError('HOST_HAS_VMS', `host ${view.name} runs ${view.rvm} VMs; remove them or use --force`, { details: { rvm: view.rvm } });
      }
      if (view.ssh !== undefined) {
        // A deployed agent is stopped and removed; an unreachable host is deleted only with --force.
        try {
          await deployer.remove(await ref.ask<HostRecord>({ type: 'record' }));
        } catch (err) {
          if (!p.force) throw err;
        }
      }
      return pool().ask({ type: 'delete', host: p.host, force: p.force });
    },
    'host.deploy': async (p, session) => {
      requireAdmin(session, 'deploy node agents');
      return deployer.deploy(await host(p.host), { ...(p.frontend === undefined ? {} : { frontend: p.frontend }), rekey: p.rekey === true });
    },
    'host.fence': async (p, session) => {
      requireAdmin(session, 'fence hosts');
      return (await host(p.host)).ask<HostView>({ type: 'fence' });
    },
    'host.sync': async (p, session) => {
      requireAdmin(session, 'upgrade node agents');
      const refs = p.host === undefined
        ? await Promise.all((await pool().ask<HostView[]>({ type: 'list' })).sort((a, b) => a.id - b.id).map((h) => host(h.id)))
        : [await host(p.host)];
      return deployer.sync(refs, { force: p.force, rekey: p.rekey === true });
    },
  };
}
