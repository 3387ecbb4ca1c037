#!/usr/bin/env node
import { Command, Option } from 'commander';
import { createLogger, type LogFormat } from '../src/log/logger.js';
import { userAuthPath } from '../src/auth/auth-file.js';
import { parseListen, positiveInt } from '../src/cli/args.js';
import { ensureLocalAgent, type LocalAgent } from '../src/oned/local-agent.js';
import { startOned } from '../src/oned/oned.js';
import { DEFAULT_API_LIMITS } from '../src/api/api-limits.js';
import type { HostFailurePolicy } from '../src/hosts/host-failure.js';
import { DEFAULT_PLACEMENT, type PlacementPolicy } from '../src/placement/placement-core.js';

const program = new Command('oned')
  .description('The Nephele front-end daemon')
  .option('--data-dir <dir>', 'where oned keeps its store and secrets', process.env.NEPHELE_DATA_DIR ?? '/var/lib/nephele')
  .option('--listen <host:port>', 'address for the API and the node agents', '127.0.0.1:2633')
  .option('--local', 'also run a node agent for this machine, registered as host localhost')
  .addOption(
    new Option('--vm <driver>', 'with --local: the hypervisor driver (default: dummy, simulated; qemu runs real VMs)').choices([
      'dummy',
      'qemu',
    ]),
  )
  .option('--heartbeat-ms <ms>', 'link heartbeat period', '2000')
  .option('--lost-after-ms <ms>', 'silence after which an agent counts as lost (default 3 heartbeats)')
  .option('--monitor-interval-ms <ms>', 'with --local: how often the agent pushes monitoring', '10000')
  .option(
    '--monitor-budget <pushes/s>',
    'monitoring pushes per second oned takes from all hosts together: agents push less often as hosts are added',
    '100',
  )
  .addOption(
    new Option('--sched-policy <policy>', 'how the scheduler ranks hosts')
      .choices(['packing', 'striping', 'load_aware', 'fixed'])
      .default('packing'),
  )
  .option('--no-scheduler', 'do not place VMs: they wait in PENDING for onevm deploy')
  .addOption(
    new Option(
      '--host-failure <policy>',
      "what happens to the VMs of a host lost past the grace period, once it is fenced (OpenNebula's host_error hook)",
    )
      .choices(['none', 'recreate', 'migrate', 'delete'])
      .default('none'),
  )
  .option('--host-failure-grace-ms <ms>', 'how long a host stays lost before oned fences it', '60000')
  .option(
    '--max-calls-per-connection <n>',
    'API calls in flight on one connection; more are refused with TOO_BUSY',
    String(DEFAULT_API_LIMITS.callsPerConnection),
  )
  .option('--max-calls-per-user <n>', 'API calls in flight for one user, all connections together', String(DEFAULT_API_LIMITS.callsPerUser))
  .option('--max-calls-total <n>', 'API calls in flight of all non-administrators together', String(DEFAULT_API_LIMITS.callsTotal))
  .option('--max-logins-per-address <n>', 'logins being checked or waiting from one address', String(DEFAULT_API_LIMITS.loginsPerAddress))
  .option(
    '--max-unauthenticated-per-address <n>',
    'connections of one address that have not logged in yet (agents count until their handshake)',
    String(DEFAULT_API_LIMITS.unauthenticatedPerAddress),
  )
  .option('--log-level <level>', 'pino log level', 'info')
  .addOption(
    new Option('--log-format <format>', 'log lines: JSON, pretty, or auto (pretty on a terminal)')
      .choices(['auto', 'json', 'pretty'])
      .default('auto'),
  )
  .parse();

const o = program.opts<{
  dataDir: string;
  listen: string;
  local?: boolean;
  vm?: 'dummy' | 'qemu';
  heartbeatMs: string;
  lostAfterMs?: string;
  monitorIntervalMs: string;
  logLevel: string;
  schedPolicy: PlacementPolicy;
  scheduler: boolean;
  hostFailure: HostFailurePolicy;
  hostFailureGraceMs: string;
  logFormat: LogFormat;
  monitorBudget: string;
  maxCallsPerConnection: string;
  maxCallsPerUser: string;
  maxCallsTotal: string;
  maxLoginsPerAddress: string;
  maxUnauthenticatedPerAddress: string;
}>();
// Before anything is written: the store (password hashes), the secrets and the VMs' files are
// oned's alone, the files LevelDB makes later included (it creates them with the umask).
process.umask(0o077);
const log = createLogger(o.logLevel, o.logFormat);

try {
  const { host, port } = parseListen(o.listen);
  const heartbeatMs = positiveInt(o.heartbeatMs, '--heartbeat-ms', 10);
  const oned = await startOned({
    dataDir: o.dataDir,
    host,
    port,
    heartbeatMs,
    lostAfterMs: o.lostAfterMs === undefined ? 3 * heartbeatMs : positiveInt(o.lostAfterMs, '--lost-after-ms', 10),
    log,
    scheduler: o.scheduler,
    placement: { ...DEFAULT_PLACEMENT, policy: o.schedPolicy },
    userAuthFile: userAuthPath(),
    hostFailure: { policy: o.hostFailure, graceMs: positiveInt(o.hostFailureGraceMs, '--host-failure-grace-ms', 1000) },
    monitorBudget: positiveInt(o.monitorBudget, '--monitor-budget', 1),
    apiLimits: {
      callsPerConnection: positiveInt(o.maxCallsPerConnection, '--max-calls-per-connection', 1),
      callsPerUser: positiveInt(o.maxCallsPerUser, '--max-calls-per-user', 1),
      callsTotal: positiveInt(o.maxCallsTotal, '--max-calls-total', 1),
      loginsPerAddress: positiveInt(o.maxLoginsPerAddress, '--max-logins-per-address', 1),
      unauthenticatedPerAddress: positiveInt(o.maxUnauthenticatedPerAddress, '--max-unauthenticated-per-address', 1),
    },
  });
  let agent: LocalAgent | undefined;
  if (o.local === true) {
    // Not told: the simulated dummy, which runs anywhere and needs no privileges; real VMs are asked for.
    const hypervisor = o.vm ?? 'dummy';
    if (o.vm === undefined)
      log.info('the local host runs the simulated dummy driver (HYPERVISOR=dummy); oned --local --vm qemu runs real VMs');
    agent = await ensureLocalAgent(oned, {
      dataDir: o.dataDir,
      hypervisor,
      log,
      monitorIntervalMs: positiveInt(o.monitorIntervalMs, '--monitor-interval-ms', 100),
    });
    process.stdout.write(
      [
        '',
        `Nephele is up: oned at ${oned.url}, host "localhost" (id ${agent.hostId}, HYPERVISOR=${hypervisor}).`,
        `Credentials of oneadmin: ${oned.authFile}. In another terminal:`,
        `  export NEPHELE_URL=${oned.url} NEPHELE_AUTH=${oned.authFile}`,
        '  node dist/bin/onehost.js list',
        'Ctrl-C stops oned and the local agent.',
        '',
      ].join('\n'),
    );
  }
  oned.failed.then(
    (reason) => {
      log.fatal(
        { err: reason.type === 'failure' ? reason.error : undefined },
        'the root supervisor gave up; oned exits so that it is restarted',
      );
      void (agent?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
    },
    () => undefined,
  );
  const stop = (): void => {
    Promise.all([agent?.stop(), oned.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  log.fatal({ err }, 'oned could not start');
  process.exitCode = 1;
}
