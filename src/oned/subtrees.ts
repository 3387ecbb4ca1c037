import { join } from 'node:path';
import type { Clock } from '../actors/index.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import type { HostDeployer } from '../hosts/host-deployer.js';
import { DEFAULT_HOST_FAILURE } from '../hosts/host-failure.js';
import { hostSubtree, HOST_POOL } from '../hosts/host-subtree.js';
import { DEFAULT_MONITOR_BUDGET, monitorFloorMs } from '../hosts/monitor-budget.js';
import type { MonitoringBook } from '../hosts/monitoring-book.js';
import { SshTransfers } from '../hosts/ssh-transfers.js';
import { imageSubtree, IMAGE_POOL } from '../images/image-subtree.js';
import type { OnedMetrics } from '../metrics/oned-metrics.js';
import { macPrefix } from '../networks/address.js';
import { networkSubtree, NETWORK_POOL } from '../networks/network-subtree.js';
import { DEFAULT_PLACEMENT } from '../placement/placement-core.js';
import { placementSubtree, PLACEMENT } from '../placement/placement-subtree.js';
import type { Store } from '../store/index.js';
import { userSubtree } from '../users/user-subtree.js';
import { UserDirectory } from '../users/user-directory.js';
import { vmSubtree, VM_POOL } from '../vms/vm-subtree.js';
import type { OnedConfig } from './oned-config.js';
import type { ActorDirectory } from './registry-names.js';
import type { SubtreeEntry } from './root-supervisor.js';

/** What the subtrees are built from: oned's config and the parts `startOned` makes before them. */
export interface SubtreeWiring {
  readonly config: OnedConfig;
  readonly store: Store;
  /** Every cross-subtree reference goes through it, at call time. */
  readonly actors: ActorDirectory;
  readonly clock: Clock;
  readonly metrics: OnedMetrics;
  readonly deployer: HostDeployer;
  /** The monitoring windows: host actors write them, the API reads them. */
  readonly monitoring: MonitoringBook;
}

/**
 * oned's subtrees in start order, bottom to top as the domains' layers
 * (users < networks < images < hosts < vms < placement), each naming the
 * ones it needs started before it. Throws on a bad MAC_PREFIX, before
 * anything starts: a configuration error, not a runtime one.
 */
export function onedSubtrees(w: SubtreeWiring): SubtreeEntry[] {
  const { config, store, actors, metrics, deployer } = w;
  const log = config.log;
  const now = config.now ?? Date.now;
  // The datastores (OpenNebula's /var/lib/one/datastores): 0 the system one (a directory per VM), 1 the images.
  // Hosts reach them at the same path (TM_MAD = shared): the local agent, and agents given --datastores.
  const datastores = join(config.dataDir, 'datastores');
  // The host pool's count, read by each host actor when its agent connects.
  const monitorBudget = config.monitorBudget ?? DEFAULT_MONITOR_BUDGET;
  let monitorFloor = monitorFloorMs(0, monitorBudget);

  const users = userSubtree({ store, throttle: new LoginThrottle(w.clock), now });
  const networks = networkSubtree({ actor: { store }, pool: { store, macPrefix: macPrefix(config.macPrefix ?? '02:00') } });
  const images = imageSubtree({
    store,
    dataDir: config.dataDir,
    now,
    owners: () => new UserDirectory(store).names(),
  });
  const hosts = hostSubtree({
    actor: {
      store,
      heartbeatMs: config.heartbeatMs,
      lostAfterMs: config.lostAfterMs,
      initGraceMs: 3 * config.lostAfterMs,
      vm: actors.vm,
      announceVms: (hostId) => actors.find(VM_POOL)?.tell({ type: 'announce', hostId }),
      kickPlacement: () => actors.find(PLACEMENT)?.tell({ type: 'kick' }),
      linkRtt: metrics.linkRtt,
      failure: config.hostFailure ?? DEFAULT_HOST_FAILURE,
      fence: (record) => deployer.fence(record),
      datastores,
      monitorFloorMs: () => monitorFloor,
      monitoringPush: metrics.monitoring.push,
      monitoringBook: w.monitoring,
    },
    pool: {
      store,
      dataDir: config.dataDir,
      onCount: (count) => {
        monitorFloor = monitorFloorMs(count, monitorBudget);
        metrics.monitoring.floor(monitorFloor);
      },
    },
  });
  const vms = vmSubtree({
    store,
    actor: {
      host: actors.host,
      placement: () => actors.find(PLACEMENT),
      network: actors.network,
      images: () => actors.find(IMAGE_POOL),
      datastores: { vmDir: (id) => join(datastores, '0', String(id)), images: join(datastores, '1') },
      hostName: async (id) => (await actors.host(id)?.ask({ type: 'info' }))?.name,
      // TM_MAD = ssh: the host's own datastores, reached over SSH with the key its agent was deployed with.
      hostSsh: async (id) => {
        const record = await actors.host(id)?.ask({ type: 'access' });
        return record?.tm === 'ssh' ? record.ssh : undefined;
      },
      transfers: new SshTransfers({ connect: (ssh) => deployer.connect(ssh), log: log.child({ component: 'tm-ssh' }) }),
      ...(config.operationDeadlines === undefined ? {} : { operationDeadlines: config.operationDeadlines }),
      monitoringDone: (vmId) => w.monitoring.forgetVm(vmId),
    },
    pool: {
      vm: actors.vm,
      networks: () => actors.lookup(NETWORK_POOL),
      network: actors.network,
      images: () => actors.lookup(IMAGE_POOL),
      datastores,
    },
  });
  const placement =
    config.scheduler === false
      ? undefined
      : placementSubtree({
          hostPool: () => actors.lookup(HOST_POOL),
          vm: actors.vm,
          options: config.placement ?? DEFAULT_PLACEMENT,
          metrics: metrics.placement,
          helloVms: () => actors.find(VM_POOL)?.tell({ type: 'sched_hello' }),
        });

  return [
    { spec: users, after: [] },
    { spec: networks, after: [] },
    { spec: images, after: [] },
    { spec: hosts, after: [] },
    // VM actors tell their hosts at start which VMs stay there, and an operation sent again may lease or release.
    { spec: vms, after: [hosts, networks, images] },
    // Its first pass reads the hosts, and its start asks the VMs that wait to say so.
    ...(placement === undefined ? [] : [{ spec: placement, after: [hosts, vms] }]),
  ];
}
