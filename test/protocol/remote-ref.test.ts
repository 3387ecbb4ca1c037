import t from 'tap';
import type { ActorRef } from '../../src/actors/types.js';
import type { FrontendToNode, ToFrontend } from '../../src/protocol/messages.js';
import { RemoteRef } from '../../src/protocol/remote-ref.js';
import { linkPair } from '../fixtures/link-pair.js';
import { figures, vmInfo } from './samples.js';

t.test('a remote ref speaks the ActorRef API over its link', async (t) => {
  const pair = linkPair(t);
  pair.connect();
  const ref: ActorRef<FrontendToNode> = new RemoteRef({ link: pair.frontend, id: 3, name: 'node' });
  t.equal(ref.path, 'node://host-3/node');
  t.equal(ref.id, 3);
  t.equal(ref.name, 'node');
  ref.tell({ type: 'vm.resume', opId: 'op-1', vmId: 5 });
  pair.onNodeRequest = () => [vmInfo];
  t.same(await ref.ask({ type: 'vm.list' }), [vmInfo]);
  t.same(pair.atNode.commands, [{ type: 'vm.resume', opId: 'op-1', vmId: 5 }]);
  t.equal(pair.frontend.stats().outbox, 0, 'told reliably, and acked');
  t.throws(() => ref.tell({ type: 'vm.list' }), TypeError, 'a request needs ask');
  await t.rejects(ref.ask({ type: 'vm.resume', opId: 'op-2', vmId: 5 }), TypeError, 'a command is told');
});

t.test('from the node, tell routes unreliable types to emit', async (t) => {
  const pair = linkPair(t);
  pair.connect();
  await pair.settle(); // the node's link is up once the front-end's hello arrived
  const ref = new RemoteRef({ link: pair.node, id: 0, name: 'host', path: 'oned://frontend/host-3' });
  t.equal(ref.path, 'oned://frontend/host-3');
  ref.tell({ type: 'host.monitoring', figures });
  ref.tell({ type: 'vm.state', vmId: 1, state: 'running' });
  t.equal(pair.node.stats().outbox, 1, 'only the reliable one is kept');
  await pair.settle();
  t.same(pair.atFrontend.events, [{ type: 'host.monitoring', figures }]);
  t.same(pair.atFrontend.commands, [{ type: 'vm.state', vmId: 1, state: 'running' }]);
  pair.disconnect();
  ref.tell({ type: 'host.monitoring', figures });
  pair.connect();
  await pair.settle();
  t.equal(pair.atFrontend.events.length, 1, 'an event while detached is dropped');
});
