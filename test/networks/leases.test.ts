import t from 'tap';
import { parseTemplate } from '../../src/templates/index.js';
import { intToMac, macFromIp, ipToInt, macPrefix } from '../../src/networks/address.js';
import { addRange, allocate, hold, releaseVm, removeRange, unhold, type NetworkRecord } from '../../src/networks/network-record.js';
import { addressRange, vnetDefinition } from '../../src/networks/vnet-template.js';
import { networkView } from '../../src/networks/network-view.js';
import { NepheleError } from '../../src/errors.js';

function network(text: string, prefix = '02:00'): NetworkRecord {
  const def = vnetDefinition(parseTemplate(text));
  let n: NetworkRecord = {
    id: 7,
    name: def.name,
    uid: 0,
    gid: 0,
    template: text,
    bridge: def.bridge ?? 'onebr7',
    attributes: def.attributes,
    ranges: [],
    nextArId: 0,
    leases: [],
    macPrefix: macPrefix(prefix),
    regtime: 0,
  };
  for (const r of def.ranges) n = addRange(n, r);
  return n;
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof NepheleError ? err.code : 'not coded';
  }
  return undefined;
}

t.test('MAC addresses derive from the IP behind the prefix, as OpenNebula does', async (t) => {
  t.equal(intToMac(macFromIp(macPrefix('02:00'), ipToInt('10.0.0.5'))), '02:00:0a:00:00:05');
  t.equal(intToMac(macFromIp(macPrefix('0a:bc'), ipToInt('192.168.1.254'))), '0a:bc:c0:a8:01:fe');
  t.throws(() => macPrefix('01:00'), /locally administered and unicast/);
  t.throws(() => macPrefix('02-00'), /two bytes/);
  const n = network('NAME = a\nAR = [ TYPE = IP4, IP = 10.0.0.5, SIZE = 2 ]');
  const { leases } = allocate(n, 1, [{ nicId: 0 }, { nicId: 1 }]);
  t.same(
    leases.map((l) => [l.ip, l.mac, l.nicId]),
    [
      ['10.0.0.5', '02:00:0a:00:00:05', 0],
      ['10.0.0.6', '02:00:0a:00:00:06', 1],
    ],
  );
  const other = network('NAME = a\nAR = [ TYPE = IP4, IP = 10.0.0.5, SIZE = 2 ]', '06:aa');
  t.equal(allocate(other, 1, [{ nicId: 0 }]).leases[0]?.mac, '06:aa:0a:00:00:05', 'the prefix is configurable');
});

t.test('OpenNebula 1.x RANGED networks: NETWORK_ADDRESS with NETWORK_SIZE or a /prefix', async (t) => {
  const c = network(
    'NAME = "Private LAN"\nTYPE = RANGED\nBRIDGE = br0\nNETWORK_ADDRESS = 192.168.0.0\nNETWORK_SIZE = C\nGATEWAY = 192.168.0.1',
  );
  const v = networkView(c);
  t.equal(v.size, 254);
  t.equal(v.ranges[0]?.ip, '192.168.0.1');
  t.equal(v.ranges[0]?.ipEnd, '192.168.0.254');
  t.equal(c.attributes['NETWORK_MASK'], '255.255.255.0');
  t.equal(c.attributes['GATEWAY'], '192.168.0.1');
  t.equal(c.bridge, 'br0');
  const small = network('NAME = s\nTYPE = RANGED\nNETWORK_ADDRESS = 10.1.0.0/29');
  t.equal(networkView(small).size, 6, 'a /29 has 6 hosts');
  t.equal(small.attributes['NETWORK_MASK'], '255.255.255.248');
  const sized = network('NAME = n\nTYPE = RANGED\nNETWORK_ADDRESS = 10.2.0.0\nNETWORK_SIZE = 10');
  t.equal(networkView(sized).size, 10);
  t.equal(sized.attributes['NETWORK_MASK'], '255.255.255.240', 'the mask is the smallest that holds the size');
  const startEnd = network('NAME = n\nTYPE = RANGED\nNETWORK_ADDRESS = 10.3.0.0/24\nIP_START = 10.3.0.100\nIP_END = 10.3.0.109');
  t.equal(networkView(startEnd).size, 10);
  t.equal(networkView(startEnd).ranges[0]?.ip, '10.3.0.100');
});

t.test('OpenNebula 1.x FIXED networks: exactly the leases listed', async (t) => {
  const n = network('NAME = f\nTYPE = FIXED\nLEASES = [ IP = 130.10.0.1, MAC = 50:20:20:20:20:20 ]\nLEASES = [ IP = 130.10.0.2 ]');
  const { leases, next } = allocate(n, 3, [{ nicId: 0 }, { nicId: 1 }]);
  t.same(
    leases.map((l) => [l.ip, l.mac]),
    [
      ['130.10.0.1', '50:20:20:20:20:20'],
      ['130.10.0.2', '02:00:82:0a:00:02'],
    ],
  );
  t.equal(
    code(() => allocate(next, 4, [{ nicId: 0 }])),
    'NO_LEASES',
    'two leases, both taken',
  );
});

t.test('ETHER ranges lease MACs only: given ones in sequence, else random locally administered ones', async (t) => {
  const seq = network('NAME = e\nAR = [ TYPE = ETHER, SIZE = 3, MAC = 02:aa:00:00:00:10 ]');
  t.same(
    allocate(seq, 1, [{ nicId: 0 }, { nicId: 1 }]).leases.map((l) => [l.ip, l.mac]),
    [
      [undefined, '02:aa:00:00:00:10'],
      [undefined, '02:aa:00:00:00:11'],
    ],
  );
  let rnd = network('NAME = r\nAR = [ TYPE = ETHER, SIZE = 200 ]');
  const macs = new Set<string>();
  for (let vm = 0; vm < 200; vm++) {
    const { next, leases } = allocate(rnd, vm, [{ nicId: 0 }]);
    rnd = next;
    const mac = leases[0]?.mac as string;
    const first = parseInt(mac.slice(0, 2), 16);
    t.ok((first & 2) === 2 && (first & 1) === 0, `${mac} is locally administered and unicast`);
    macs.add(mac);
  }
  t.equal(macs.size, 200, 'no MAC twice');
  t.equal(
    code(() => allocate(rnd, 999, [{ nicId: 0 }])),
    'NO_LEASES',
    'exhausted at its size',
  );
});

t.test('a lease is never handed out twice; exhaustion is NO_LEASES and takes nothing', async (t) => {
  let n = network('NAME = x\nAR = [ TYPE = IP4, IP = 10.0.0.1, SIZE = 3 ]');
  ({ next: n } = allocate(n, 1, [{ nicId: 0 }, { nicId: 1 }]));
  const before = n;
  t.equal(
    code(() => allocate(n, 2, [{ nicId: 0 }, { nicId: 1 }])),
    'NO_LEASES',
    'two asked, one free: refused',
  );
  t.equal(n, before, 'the record is untouched (the functions are pure)');
  ({ next: n } = allocate(n, 2, [{ nicId: 0 }]));
  t.same(
    n.leases.map((l) => l.ip),
    ['10.0.0.1', '10.0.0.2', '10.0.0.3'],
  );
  const released = releaseVm(n, 1);
  t.equal(released.released, 2);
  n = released.next;
  const again = allocate(n, 5, [{ nicId: 0 }, { nicId: 1 }]);
  t.same(again.leases.map((l) => l.ip).sort(), ['10.0.0.1', '10.0.0.2'], 'released addresses come back');
  t.equal(new Set(again.next.leases.map((l) => l.ip)).size, again.next.leases.length, 'every address at most once');
});

t.test('a NIC may ask for a given IP or MAC; a taken or foreign one is refused', async (t) => {
  let n = network('NAME = x\nAR = [ TYPE = IP4, IP = 10.0.0.1, SIZE = 10 ]');
  const r = allocate(n, 1, [
    { nicId: 0, ip: '10.0.0.7' },
    { nicId: 1, mac: '02:00:0a:00:00:03' },
  ]);
  t.same(
    r.leases.map((l) => [l.ip, l.mac]),
    [
      ['10.0.0.7', '02:00:0a:00:00:07'],
      ['10.0.0.3', '02:00:0a:00:00:03'],
    ],
  );
  n = r.next;
  t.equal(
    code(() => allocate(n, 2, [{ nicId: 0, ip: '10.0.0.7' }])),
    'NO_LEASES',
  );
  t.equal(
    code(() => allocate(n, 2, [{ nicId: 0, ip: '10.9.9.9' }])),
    'NO_LEASES',
  );
  t.equal(
    code(() => allocate(n, 2, [{ nicId: 0, mac: '02:00:0a:00:00:03' }])),
    'NO_LEASES',
  );
  t.equal(
    code(() =>
      allocate(n, 2, [
        { nicId: 0, ip: '10.0.0.2' },
        { nicId: 1, ip: '10.0.0.2' },
      ]),
    ),
    'NO_LEASES',
    'one address for two NICs',
  );
  t.equal(allocate(n, 2, [{ nicId: 0 }]).leases[0]?.ip, '10.0.0.1', 'a free one is the first free');
});

t.test('hold and release keep an address out of the pool, never one a VM holds', async (t) => {
  let n = network('NAME = x\nAR = [ TYPE = IP4, IP = 10.0.0.1, SIZE = 2 ]');
  n = hold(n, '10.0.0.1');
  t.equal(hold(n, '10.0.0.1'), n, 'holding twice changes nothing');
  const { next, leases } = allocate(n, 1, [{ nicId: 0 }]);
  t.equal(leases[0]?.ip, '10.0.0.2', 'the held address is skipped');
  t.equal(
    code(() => hold(next, '10.0.0.2')),
    'NO_LEASES',
    "a VM's lease cannot be held",
  );
  t.equal(
    code(() => unhold(next, '10.0.0.2')),
    'NO_LEASES',
    'nor released by hand',
  );
  t.equal(
    code(() => hold(next, '10.0.0.9')),
    'NO_LEASES',
    'outside the ranges',
  );
  const freed = unhold(next, '10.0.0.1');
  t.equal(allocate(freed, 2, [{ nicId: 0 }]).leases[0]?.ip, '10.0.0.1');
});

t.test('addar and rmar: overlaps refused, a range in use kept', async (t) => {
  let n = network('NAME = x\nAR = [ TYPE = IP4, IP = 10.0.0.1, SIZE = 2 ]');
  t.equal(
    code(() => addRange(n, addressRange({ TYPE: 'IP4', IP: '10.0.0.2', SIZE: '5' }))),
    'INVALID_ARGUMENT',
  );
  n = addRange(n, addressRange({ TYPE: 'IP4', IP: '10.0.1.1', SIZE: '5', GATEWAY: '10.0.1.254' }));
  t.same(
    n.ranges.map((r) => r.arId),
    [0, 1],
  );
  const { next } = allocate(n, 1, [{ nicId: 0, ip: '10.0.1.3' }]);
  t.equal(
    code(() => removeRange(next, 1)),
    'ACTION_NOT_ALLOWED',
  );
  const gone = removeRange(next, 0);
  t.same(
    gone.ranges.map((r) => r.arId),
    [1],
  );
  const more = addRange(gone, addressRange({ TYPE: 'ETHER', SIZE: '1' }));
  t.equal(more.ranges.at(-1)?.arId, 2, 'AR ids are never reused');
  t.equal(
    code(() => removeRange(more, 9)),
    'INVALID_ARGUMENT',
  );
});

t.test('malformed network templates are INVALID_TEMPLATE naming the attribute', async (t) => {
  const bad: Array<[string, string]> = [
    ['TYPE = RANGED\nNETWORK_ADDRESS = 10.0.0.0/24', 'NAME'],
    ['NAME = a\nTYPE = RANGED', 'NETWORK_ADDRESS'],
    ['NAME = a\nTYPE = RANGED\nNETWORK_ADDRESS = 10.0.0.300\nNETWORK_SIZE = C', 'NETWORK_ADDRESS'],
    ['NAME = a\nTYPE = RANGED\nNETWORK_ADDRESS = 10.0.0.0', 'NETWORK_SIZE'],
    ['NAME = a\nTYPE = FIXED', 'LEASES'],
    ['NAME = a\nTYPE = FIXED\nLEASES = [ MAC = 02:00:00:00:00:01 ]', 'LEASES/IP'],
    ['NAME = a\nTYPE = BOGUS', 'TYPE'],
    ['NAME = a\nAR = [ TYPE = IP6, SIZE = 3 ]', 'AR/TYPE'],
    ['NAME = a\nAR = [ TYPE = IP4, SIZE = 3 ]', 'AR/IP'],
    ['NAME = a\nAR = [ TYPE = IP4, IP = 10.0.0.1 ]', 'AR/SIZE'],
    ['NAME = a\nAR = [ TYPE = IP4, IP = 10.0.0.1, SIZE = 100000 ]', 'AR/SIZE'],
    ['NAME = a\nAR = [ TYPE = ETHER, SIZE = 3, MAC = 01:00:00:00:00:01 ]', 'AR/MAC'],
    ['NAME = a\nBRIDGE = "br0; rm -rf /"', 'BRIDGE'],
    ['NAME = a\nBRIDGE = averyveryverylongbridge', 'BRIDGE'],
    ['NAME = a\nVLAN_ID = 5000', 'VLAN_ID'],
    ['NAME = a\nGATEWAY = nowhere', 'GATEWAY'],
  ];
  for (const [text, attribute] of bad) {
    try {
      vnetDefinition(parseTemplate(text));
      t.fail(`accepted: ${text}`);
    } catch (err) {
      t.equal((err as NepheleError).code, 'INVALID_TEMPLATE', text);
      t.equal((err as NepheleError).details?.['attribute'], attribute, text);
    }
  }
  t.throws(
    () => network('NAME = a\nAR = [ TYPE = IP4, IP = 10.0.0.1, SIZE = 5 ]\nAR = [ TYPE = IP4, IP = 10.0.0.3, SIZE = 5 ]'),
    { code: 'INVALID_ARGUMENT' },
    'overlapping ranges',
  );
});
