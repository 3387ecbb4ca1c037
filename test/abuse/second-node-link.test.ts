/**
 * The attack: dial /node with a host's valid token while its agent is
 * connected. The host actor crashed on each one (`link host-0 is already
 * attached`) and the real agent was dropped. Now the newcomer is refused
 * with HOST_ALREADY_CONNECTED and the connected agent keeps the host.
 */
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { io } from 'socket.io-client';
import type { NodeCapabilities } from '../../src/protocol/domain.js';
import type { NodeHello } from '../../src/protocol/messages.js';
import { PROTOCOL_VERSION } from '../../src/protocol/version.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

const CAPABILITIES: NodeCapabilities = {
  hypervisors: ['dummy'],
  hypervisor: 'dummy',
  arch: 'x86_64',
  cpus: 2,
  memoryKb: 2_097_152,
  hostname: 'impostor',
  version: '0.1.0',
};

/** One handshake on /node: how it ended, and the refusal's code if it was refused. */
async function dial(url: string, hello: NodeHello): Promise<{ connected: boolean; code: string | undefined }> {
  const socket = io(`${url}/node`, {
    auth: hello as unknown as Record<string, unknown>,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  try {
    return await new Promise((resolve) => {
      socket.on('connect', () => resolve({ connected: true, code: undefined }));
      socket.on('connect_error', (err: Error & { data?: { code?: string } }) => resolve({ connected: false, code: err.data?.code }));
    });
  } finally {
    // Held a moment when it got in, as a second agent would.
    await new Promise((r) => setTimeout(r, 300));
    socket.close();
  }
}

t.setTimeout(60_000);

t.test('a second agent connection with a valid token is refused; the connected agent keeps its host', async (t) => {
  const cloud = await startCloud(t);
  const c = cloud.client;
  const host = await cloud.addHost('h');
  const first = await cloud.waitState(host.id, 'MONITORED');
  const { id: vm } = await c.call('vm.allocate', { template: 'NAME = v\nCPU = 0.1\nMEMORY = 64\n', hold: true });
  await c.call('vm.action', { id: vm, action: 'deploy', host: host.id });
  const running = await eventually(
    () => c.call('vm.info', { id: vm }),
    (v) => v.state === 'RUNNING',
    20_000,
    'VM RUNNING',
  );
  const restarts = cloud.oned.system.stats().restarts;

  for (let i = 0; i < 3; i++) {
    const hello: NodeHello = {
      protocol: PROTOCOL_VERSION,
      hostId: host.id,
      token: host.token,
      incarnation: randomUUID(),
      recvSeq: 0,
      capabilities: CAPABILITIES,
    };
    const outcome = await dial(cloud.oned.url, hello);
    t.same(outcome, { connected: false, code: 'HOST_ALREADY_CONNECTED' }, `attempt ${i + 1} refused with its code`);
  }

  t.equal(cloud.oned.system.stats().restarts, restarts, 'no actor crashed');
  const after = await cloud.host(host.id);
  t.equal(after.state, 'MONITORED', 'the host is still monitored');
  t.equal(after.agentIncarnation, first.agentIncarnation, 'by the same agent');
  t.notMatch(host.agent.output(), /disconnected from oned/, 'which was never dropped');
  const v = await c.call('vm.info', { id: vm });
  t.equal(v.state, 'RUNNING', 'its VM runs on');
  t.same(v.history, running.history);

  // The agent itself, killed and started again, comes back: a dead connection is replaced, not defended.
  await host.agent.kill('SIGKILL');
  host.start();
  const back = await eventually(
    () => cloud.host(host.id),
    (h) => h.state === 'MONITORED' && h.agentIncarnation !== first.agentIncarnation,
    20_000,
    'the new agent in',
  );
  t.ok(back.agentIncarnation !== undefined, 'a new agent process holds the host');
  t.equal(cloud.oned.system.stats().restarts, restarts, 'still no actor crashed');
});
