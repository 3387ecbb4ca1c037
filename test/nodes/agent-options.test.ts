import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { readAgentConfig } from '../../nodes/agent-config.js';
import { agentOptions, type OnenodeArgs } from '../../nodes/agent-options.js';

const NONE: OnenodeArgs = {
  config: undefined,
  stop: false,
  fence: false,
  frontend: undefined,
  hostId: undefined,
  token: undefined,
  tokenFile: undefined,
  dataDir: undefined,
  vm: undefined,
  monitorIntervalMs: undefined,
  dummyLatencyMs: 0,
  dummyFail: new Set(),
  network: undefined,
  netns: undefined,
  accel: undefined,
  probeKernel: undefined,
  datastores: undefined,
  logLevel: undefined,
  logFormat: undefined,
  simulate: undefined,
  simulateHosts: undefined,
  simulateCpus: undefined,
  simulateMemoryMb: undefined,
};

t.test('with neither command line nor file, the defaults', async (t) => {
  const o = agentOptions(NONE, {});
  t.match(o, {
    dataDir: '/var/lib/nephele/node',
    vm: 'dummy',
    monitorIntervalMs: 10_000,
    accel: 'auto',
    logLevel: 'info',
    logFormat: 'auto',
  });
  t.equal(o.frontend, undefined);
  t.equal(o.hostId, undefined);
  t.equal(o.network, undefined, 'the network driver follows the hypervisor when not given');
});

t.test('the config file fills what the command line leaves out, and the command line wins', async (t) => {
  const file = {
    frontend: 'http://10.0.0.1:2633',
    hostId: 3,
    tokenFile: '/etc/nephele/token',
    dataDir: '/srv/node',
    vm: 'qemu' as const,
    datastores: '/srv/ds',
    monitorIntervalMs: 500,
    network: 'linux' as const,
    accel: 'tcg' as const,
    logLevel: 'warn',
  };
  t.match(agentOptions(NONE, file), file);
  const cli: OnenodeArgs = {
    ...NONE,
    frontend: 'http://10.0.0.2:2633',
    hostId: 0,
    dataDir: '/tmp/node',
    vm: 'dummy',
    monitorIntervalMs: 100,
    network: 'none',
    accel: 'kvm',
    logLevel: 'debug',
    datastores: '/tmp/ds',
    tokenFile: '/tmp/token',
  };
  t.match(
    agentOptions(cli, file),
    {
      frontend: 'http://10.0.0.2:2633',
      hostId: 0,
      dataDir: '/tmp/node',
      vm: 'dummy',
      monitorIntervalMs: 100,
      network: 'none',
      accel: 'kvm',
      logLevel: 'debug',
      datastores: '/tmp/ds',
      tokenFile: '/tmp/token',
    },
    'host id 0 from the command line is not taken for missing',
  );
});

t.test('a config file with an unknown key, a wrong type or a number out of range is refused', async (t) => {
  const dir = t.testdir();
  const write = async (name: string, body: unknown): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(body));
    return path;
  };
  t.same(await readAgentConfig(await write('ok.json', { hostId: 0, monitorIntervalMs: 100 })), { hostId: 0, monitorIntervalMs: 100 });
  const refused = [
    ['unknown.json', { hostname: 'x' }],
    ['type.json', { hostId: '1' }],
    ['negative.json', { hostId: -1 }],
    ['fraction.json', { hostId: 1.5 }],
    ['fast.json', { monitorIntervalMs: 10 }],
    ['array.json', [1]],
  ] as const;
  for (const [name, body] of refused) {
    await t.rejects(readAgentConfig(await write(name, body)), { code: 'INVALID_ARGUMENT' }, name);
  }
});
