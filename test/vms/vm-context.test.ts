import t from 'tap';
import { parseTemplate } from '../../src/templates/index.js';
import { resolveContext } from '../../src/vms/vm-context.js';
import type { NicLease } from '../../src/networks/network-actor.js';

const nics: NicLease[] = [
  {
    nicId: 0,
    networkId: 3,
    network: 'Private LAN',
    bridge: 'br0',
    ip: '192.168.0.5',
    mac: '02:00:c0:a8:00:05',
    attributes: { NETWORK_MASK: '255.255.255.0', GATEWAY: '192.168.0.1', DNS: '8.8.8.8', NETWORK_ADDRESS: '192.168.0.0' },
  },
  {
    nicId: 1,
    networkId: 4,
    network: 'public',
    bridge: 'br1',
    ip: '10.0.0.9',
    mac: '02:00:0a:00:00:09',
    vlanId: 12,
    attributes: { NETWORK_MASK: '255.0.0.0' },
  },
];

function resolve(text: string) {
  const template = parseTemplate(text);
  return resolveContext(template.getVector('CONTEXT'), { vmId: 42, name: 'web', template, user: { id: 3, name: 'alice' }, nics });
}

t.test('variables resolve against the VM, its user and its leases', async (t) => {
  const ctx = resolve(`NAME = web
MEMORY = 512
CONTEXT = [
  HOSTNAME = "$NAME",
  ID = "vm-$VMID",
  MEM = "$MEMORY",
  OWNER = "$UNAME:$UID:$USER[NAME]",
  IP_PRIVATE = "$NIC[IP, NETWORK=\\"Private LAN\\"]",
  IP_FIRST = "$NIC[IP]",
  MAC_PUBLIC = "$NIC[MAC, NETWORK_ID=4]",
  GW = "$NETWORK[GATEWAY, NETWORK=\\"Private LAN\\"]",
  VLAN = "$NETWORK[VLAN_ID, NETWORK=public]",
  UNKNOWN = "[$NOPE]",
  LITERAL = "no variables here" ]`);
  t.same(ctx, {
    HOSTNAME: 'web',
    ID: 'vm-42',
    MEM: '512',
    OWNER: 'alice:3:alice',
    IP_PRIVATE: '192.168.0.5',
    IP_FIRST: '192.168.0.5',
    MAC_PUBLIC: '02:00:0a:00:00:09',
    GW: '192.168.0.1',
    VLAN: '12',
    UNKNOWN: '[]',
    LITERAL: 'no variables here',
  });
});

t.test('NETWORK = YES adds ETHn_* for every NIC, without overriding what the template sets', async (t) => {
  const ctx = resolve('CONTEXT = [ NETWORK = YES, ETH1_DNS = "1.1.1.1" ]');
  t.same(ctx, {
    ETH1_DNS: '1.1.1.1',
    ETH0_IP: '192.168.0.5',
    ETH0_MAC: '02:00:c0:a8:00:05',
    ETH0_MASK: '255.255.255.0',
    ETH0_GATEWAY: '192.168.0.1',
    ETH0_DNS: '8.8.8.8',
    ETH0_NETWORK: '192.168.0.0',
    ETH1_IP: '10.0.0.9',
    ETH1_MAC: '02:00:0a:00:00:09',
    ETH1_MASK: '255.0.0.0',
  });
  t.same(resolve('CONTEXT = [ NETWORK = NO, A = b ]'), { A: 'b' }, 'NETWORK = NO adds nothing');
  t.equal(resolve('NAME = x'), undefined, 'no CONTEXT, no context');
});

t.test('a reference to a NIC the VM does not have is refused with the attribute', async (t) => {
  t.throws(() => resolve('CONTEXT = [ IP = "$NIC[IP, NETWORK=\\"other\\"]" ]'), {
    code: 'INVALID_TEMPLATE',
    details: { attribute: 'CONTEXT/IP' },
  });
  t.throws(() => resolve('CONTEXT = [ IP = "$NETWORK" ]'), { code: 'INVALID_TEMPLATE' }, '$NETWORK needs an attribute');
});

t.test('a long run of filters that never closes is matched in linear time, not forever', async (t) => {
  const filters = Array.from({ length: 2000 }, (_, i) => `K${i}=\\"v\\"`).join(',');
  // Unclosed, the bracket is not a filter list: a bare $NIC, which needs an attribute.
  t.throws(() => resolve(`CONTEXT = [ X = "$NIC[IP,${filters}" ]`), { code: 'INVALID_TEMPLATE' });
  const ctx = resolve(`CONTEXT = [ X = "$NAME[IP,${filters}" ]`);
  t.match(ctx?.['X'], /^web\[IP,K0=/, 'an unclosed bracket stays text');
});
