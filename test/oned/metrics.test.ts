import t from 'tap';
import type { ActorRef } from '../../src/actors/index.js';
import type { VmView } from '../../src/vms/vm-record.js';
import { vmActorName, type VmMsg } from '../../src/vms/vm-actor.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

/** One scrape: the body, and each sample by its series as printed (`name{labels}`). */
interface Scrape {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: string;
  readonly samples: ReadonlyMap<string, number>;
}

async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`);
  const body = await res.text();
  const samples = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m === null) throw new Error(`not a sample line: ${line}`);
    samples.set(m[1] as string, Number(m[2]));
  }
  return { status: res.status, contentType: res.headers.get('content-type'), body, samples };
}

function value(s: Scrape, series: string): number {
  const v = s.samples.get(series);
  if (v === undefined) throw new Error(`no series ${series} in the scrape`);
  return v;
}

/** The sum of a gauge over all its label values. */
function total(s: Scrape, name: string): number {
  let sum = 0;
  for (const [series, v] of s.samples) if (series.startsWith(`${name}{`)) sum += v;
  return sum;
}

t.test('GET /metrics: VMs and hosts per state, the scheduler, the store, the links, the kernel, the event loop', async (t) => {
  const cloud = await startCloud(t, { scheduler: true });
  const c = cloud.client;
  const node = await cloud.addHost('node1');
  await cloud.waitState(node.id, 'MONITORED');
  const running: number[] = [];
  for (const name of ['metrics-web-a', 'metrics-web-b']) {
    running.push((await c.call('vm.allocate', { template: `NAME = ${name}\nCPU = 0.1\nMEMORY = 64\n`, hold: false })).id);
  }
  const held = (await c.call('vm.allocate', { template: 'NAME = metrics-held\nCPU = 0.1\nMEMORY = 64\n', hold: true })).id;
  for (const id of running) {
    await eventually(
      () => c.call('vm.info', { id }),
      (v: VmView) => v.state === 'RUNNING',
      20_000,
      `VM ${id} RUNNING`,
    );
  }

  // The links' histogram fills with the heartbeats (every 200 ms here); wait for one rather than assume it.
  const s = await eventually(
    () => scrape(cloud.oned.url),
    (x) => (x.samples.get('nephele_link_rtt_seconds_count') ?? 0) > 0,
    20_000,
    'a heartbeat round trip',
  );
  t.equal(s.status, 200);
  t.match(s.contentType, /^text\/plain; version=0\.0\.4/, 'the Prometheus text format');

  t.equal(value(s, 'nephele_vms{state="RUNNING"}'), running.length, 'the running VMs');
  t.equal(value(s, 'nephele_vms{state="HOLD"}'), 1, `VM ${held} on hold`);
  t.equal(value(s, 'nephele_vms{state="PENDING"}'), 0, 'an empty state has its series, at 0');
  t.equal(total(s, 'nephele_vms'), 3, 'every VM in exactly one state');
  t.equal(value(s, 'nephele_hosts{state="MONITORED"}'), 1);
  t.equal(value(s, 'nephele_hosts{state="ERROR"}'), 0);
  t.equal(total(s, 'nephele_hosts'), 1);

  const placed = value(s, 'nephele_placements_total');
  t.ok(placed >= running.length, `the scheduler placed the VMs (${placed})`);
  t.equal(value(s, 'nephele_placement_latency_seconds_count'), placed, 'one latency per placement');
  t.equal(value(s, 'nephele_placement_latency_seconds_bucket{le="+Inf"}'), placed);
  t.ok(value(s, 'nephele_store_write_duration_seconds_count') > 0, 'store writes timed');
  t.ok(value(s, 'nephele_store_write_ops_total') >= value(s, 'nephele_store_write_duration_seconds_count'), 'each batch holds ops');
  t.ok(value(s, 'nephele_actors') > 0);
  t.ok(s.samples.has('nephele_mailbox_depth'));
  t.ok(s.samples.has('nephele_dead_letters_total'));
  t.ok(value(s, 'nephele_eventloop_lag_p99_seconds') >= 0, 'event-loop lag, p99');
  t.ok(value(s, 'nephele_eventloop_lag_max_seconds') >= value(s, 'nephele_eventloop_lag_p50_seconds'));
  t.ok(s.samples.has('nodejs_eventloop_lag_p99_seconds'), "and prom-client's raw one");
  t.ok(s.samples.has('process_cpu_user_seconds_total'), 'the process metrics');
  for (const name of [
    'nephele_vms',
    'nephele_hosts',
    'nephele_placements_total',
    'nephele_link_rtt_seconds',
    'nephele_actor_restarts_total',
  ]) {
    t.match(s.body, new RegExp(`^# HELP ${name} \\S`, 'm'), `${name} has a HELP text`);
  }
  t.match(s.body, /^# TYPE nephele_placement_latency_seconds histogram$/m);
  t.match(s.body, /^# TYPE nephele_actor_restarts_total counter$/m);
  t.notMatch(s.body, /metrics-web|metrics-held|oneadmin|node1/, 'no VM, user or host names');

  // A crash of a VM actor: its supervisor restarts it, and the counter shows it.
  const before = value(s, 'nephele_actor_restarts_total');
  const vm = cloud.oned.system.lookup<VmMsg>(vmActorName(running[0] as number)) as ActorRef<VmMsg>;
  (vm as unknown as { fail(e: Error): void }).fail(new Error('injected crash'));
  const after = await eventually(
    () => scrape(cloud.oned.url),
    (x) => value(x, 'nephele_actor_restarts_total') > before,
    10_000,
    'the restart counted',
  );
  t.equal(value(after, 'nephele_actor_restarts_total'), before + 1, 'one restart');
  t.equal(value(after, 'nephele_vms{state="RUNNING"}'), running.length, 'the restarted VM is still RUNNING');
});

t.test('only GET /metrics is served; socket.io keeps its path; several oned keep their own registries', async (t) => {
  const a = await startCloud(t);
  const b = await startCloud(t);
  const url = a.oned.url;

  const post = await fetch(`${url}/metrics`, { method: 'POST', body: 'x' });
  t.equal(post.status, 405);
  t.equal(post.headers.get('allow'), 'GET, HEAD');
  await post.arrayBuffer();
  const head = await fetch(`${url}/metrics`, { method: 'HEAD' });
  t.equal(head.status, 200);
  t.equal(await head.text(), '', 'HEAD: no body');
  for (const path of ['/nope', '/', '/metrics/x', '/metricsx']) {
    const res = await fetch(`${url}${path}`);
    t.equal(res.status, 404, `${path}: 404`);
    await res.arrayBuffer();
  }
  const query = await fetch(`${url}/metrics?name[]=nephele_vms`);
  t.equal(query.status, 200, 'a query string is ignored');
  await query.arrayBuffer();

  // engine.io's handshake over polling: socket.io still answers on its own path.
  const polling = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
  t.equal(polling.status, 200);
  t.match(await polling.text(), /^0\{"sid":/, 'the engine.io open packet');
  t.same(
    await a.client.call('system.version', {}),
    { version: '0.1.0', protocol: (await b.client.call('system.version', {})).protocol },
    'the API over the websocket',
  );

  // A host in one oned is not counted by the other.
  await a.client.call('host.allocate', { name: 'only-in-a', im: 'dummy', vm: 'dummy' });
  const sa = await scrape(url);
  const sb = await scrape(b.oned.url);
  t.equal(total(sa, 'nephele_hosts'), 1);
  t.equal(total(sb, 'nephele_hosts'), 0);
  t.equal(total(sb, 'nephele_vms'), 0);
  t.ok(sb.samples.has('nodejs_eventloop_lag_p99_seconds'), 'default metrics in each registry');
});
