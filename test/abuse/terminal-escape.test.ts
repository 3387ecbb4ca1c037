/**
 * Names and templates come from users; the CLIs print them on the
 * administrator's terminal. No raw control (C0, DEL, C1, bidi override or
 * isolate) may reach it: tables and `show` print them escaped, `--json`
 * stays JSON that parses back to the same value.
 */
import { once } from 'node:events';
import t, { type Test } from 'tap';
import type { ImageView } from '../../src/images/image-view.js';
import type { TemplateView } from '../../src/vms/template-view.js';
import { renderGroup, renderGroupList } from '../../src/cli/onegroup.js';
import { renderHost, renderHostList } from '../../src/cli/onehost.js';
import { renderImage, renderImageList } from '../../src/cli/oneimage.js';
import { renderTemplateList, renderTemplateView } from '../../src/cli/onetemplate.js';
import { renderUser, renderUserList } from '../../src/cli/oneuser.js';
import { renderVm, renderVmList } from '../../src/cli/onevm.js';
import { renderVnet, renderVnetList, type VnetRow } from '../../src/cli/onevnet.js';
import { escapeControls, jsonText } from '../../src/cli/terminal-safe.js';
import { startCloud } from '../fixtures/cloud.js';
import { runBin } from '../fixtures/processes.js';

/** A terminal control anywhere but the line breaks of the output itself. */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
/** OSC to retitle the terminal, BEL, clear screen, NUL, DEL, C1 NEL and CSI, RLO, an isolate, a newline and a tab. */
const EVIL = 'a\x1b]0;owned\x07\x1b[2J\x00\x7f\x85\x9b\u202etxt.exe\u2066z\n\tend';
/** What oned lets through in a VM's name: no C0/C1 (\p{Cc}), but bidi controls are not Cc. */
const BIDI_NAME = 'invoice\u202efdp.exe\u2066x\u2069';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function cli(t: Test, name: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const p = runBin(t, name, args, env);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  p.child.stdout?.on('data', (b: Buffer) => out.push(b));
  p.child.stderr?.on('data', (b: Buffer) => err.push(b));
  const [code] = (await once(p.child, 'close')) as [number];
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

t.test('escapeControls and jsonText', async (t) => {
  t.equal(
    escapeControls('a\x1b[31mb\x07c\x00d\x7fe\x85f\x9bg\u202eh\u2066i\u2069j'),
    'a\\x1b[31mb\\x07c\\x00d\\x7fe\\x85f\\x9bg\\u202eh\\u2066i\\u2069j',
    'every control shown visibly',
  );
  t.equal(escapeControls('x\ny\tz\r'), 'x\\ny\\tz\\r', 'one line: newline, tab and CR too');
  t.equal(escapeControls('x\ny\tz\r', { lines: true }), 'x\ny\tz\\r', 'multi-line text keeps its newlines and tabs, not CR');
  t.equal(escapeControls(escapeControls(EVIL)), escapeControls(EVIL), 'a second pass changes nothing');
  t.equal(escapeControls('héllo wörld ✓ 名前 \\x1b'), 'héllo wörld ✓ 名前 \\x1b', 'printable text, backslashes included, is left alone');
  const json = jsonText({ name: EVIL });
  t.notMatch(json, RAW, 'no raw control in JSON output');
  t.same(JSON.parse(json), { name: EVIL }, 'and it parses back to the same value');
});

t.test('the real CLIs print no raw control from what oned holds', async (t) => {
  const cloud = await startCloud(t);
  const c = cloud.client;
  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
  // oned refuses C0/C1 in a VM's name, not bidi controls; any attribute's value may hold them all.
  const note = 'x\x1b]0;owned\x07\x1b[2J\x00\x7f\x85\x9b\u202ey';
  const template = `NAME = "${BIDI_NAME}"\nCPU = 0.1\nMEMORY = 64\nNOTE = "${note}"\n`;
  const { id } = await c.call('vm.allocate', { template, hold: true });
  await c.call('template.allocate', { template });

  const [list, show, showJson, listJson]: Run[] = await Promise.all([
    cli(t, 'onevm', ['list'], env),
    cli(t, 'onevm', ['show', String(id)], env),
    cli(t, 'onevm', ['show', String(id), '--json'], env),
    cli(t, 'onevm', ['list', '--json'], env),
  ]);
  const [tList, tShow, vnetErr, deployErr]: Run[] = await Promise.all([
    cli(t, 'onetemplate', ['list'], env),
    cli(t, 'onetemplate', ['show', '0'], env),
    // oned's error echoes the name asked for; the runner prints it.
    cli(t, 'onevnet', ['show', `net\x9b\u202e`], env),
    cli(t, 'onevm', ['deploy', String(id), `h\x85\u202e`], env),
  ]);
  if (!list || !show || !showJson || !listJson || !tList || !tShow || !vnetErr || !deployErr) throw new TypeError('eight runs');
  for (const [what, r] of [
    ['onevm list', list],
    ['onevm show', show],
    ['onevm show --json', showJson],
    ['onevm list --json', listJson],
    ['onetemplate list', tList],
    ['onetemplate show', tShow],
    ['onevnet show (error)', vnetErr],
    ['onevm deploy (error)', deployErr],
  ] as const) {
    t.notMatch(r.stdout, RAW, `${what}: no raw control on stdout`);
    t.notMatch(r.stderr, RAW, `${what}: nor on stderr`);
  }
  t.equal(list.code, 0);
  t.match(list.stdout, 'invoice\\u202efdp.exe\\u2066x\\u2069', 'onevm list shows the bidi controls escaped');
  t.equal(list.stdout.trim().split('\n').length, 2, 'a header and one row');
  t.match(show.stdout, 'NAME                : invoice\\u202efdp.exe', 'onevm show: the name');
  t.match(show.stdout, 'NOTE = "x\\x1b]0;owned\\x07\\x1b[2J\\x00\\x7f\\x85\\x9b\\u202ey"', 'onevm show: the template text');
  t.equal((JSON.parse(showJson.stdout) as { template: string }).template, template, '--json stays JSON, with the exact value');
  t.equal((JSON.parse(listJson.stdout) as { name: string }[])[0]?.name, BIDI_NAME);
  t.match(tList.stdout, 'invoice\\u202efdp.exe');
  t.match(tShow.stdout, 'NOTE = "x\\x1b]0;owned\\x07');
  t.equal(vnetErr.code, 1);
  t.match(vnetErr.stderr, /^\[NETWORK_NOT_FOUND\]/m);
  t.equal(deployErr.code, 1);
});

t.test('every table and show renderer escapes what it is given', async (t) => {
  // Records as an older oned may have stored them, before names were checked.
  const cloud = await startCloud(t);
  const c = cloud.client;
  const host = await cloud.addHost('node1');
  await cloud.waitState(host.id, 'MONITORED');
  const { id } = await c.call('vm.allocate', { template: 'NAME = v\nCPU = 0.1\nMEMORY = 64\n', hold: true });
  const vm = { ...(await c.call('vm.info', { id })), name: EVIL, user: EVIL, group: EVIL, lastError: EVIL, template: `NAME = "${EVIL}"\n` };
  const hostView = { ...(await cloud.host(host.id)), name: EVIL, cluster: EVIL, error: EVIL, attributes: { NOTE: EVIL } };
  const user = { ...(await c.call('user.info', {})), name: EVIL, group: EVIL };
  const group = { ...(await c.call('group.info', { group: 0 })), name: EVIL };
  const template: TemplateView = {
    id: 0,
    name: EVIL,
    user: EVIL,
    group: EVIL,
    regtime: 0,
    template: `NOTE = "${EVIL}"\n`,
  } as unknown as TemplateView;
  const image = {
    id: 0,
    name: EVIL,
    user: EVIL,
    group: EVIL,
    datastore: EVIL,
    sizeMb: 1,
    type: 'OS',
    persistent: false,
    state: 'READY',
    runningVms: [],
    regtime: 0,
    source: EVIL,
    format: 'raw',
    description: EVIL,
    template: [
      { name: 'DESCRIPTION', value: EVIL },
      { name: 'V', value: { [EVIL]: EVIL } },
    ],
    uid: 0,
    gid: 0,
    permissions: 0o777,
  } as unknown as ImageView;
  const vnet = {
    id: 0,
    uid: 0,
    gid: 0,
    user: EVIL,
    group: EVIL,
    name: EVIL,
    bridge: EVIL,
    used: 1,
    attributes: { NOTE: EVIL },
    ranges: [{ arId: 0, type: 'IP4', size: 2, used: 1, mac: EVIL, ip: '10.0.0.1', ipEnd: '10.0.0.2' }],
    leases: [{ arId: 0, vmId: 1, mac: EVIL, ip: '10.0.0.1' }],
  } as unknown as VnetRow;
  const outputs: [string, string, number?][] = [
    ['renderVmList', renderVmList([vm]), 2],
    ['renderVm', renderVm(vm, new Map([[host.id, EVIL]]))],
    ['renderHostList', renderHostList([hostView]), 2],
    ['renderHost', renderHost(hostView)],
    ['renderUserList', renderUserList([user]), 2],
    ['renderUser', renderUser(user)],
    ['renderGroupList', renderGroupList([group]), 2],
    ['renderGroup', renderGroup({ ...group, users: [0] })],
    ['renderTemplateList', renderTemplateList([template]), 2],
    ['renderTemplateView', renderTemplateView(template)],
    ['renderImageList', renderImageList([image]), 2],
    ['renderImage', renderImage(image)],
    ['renderVnetList', renderVnetList([vnet]), 2],
    ['renderVnet', renderVnet(vnet)],
  ];
  for (const [what, text, lines] of outputs) {
    t.notMatch(text, RAW, `${what}: no raw control`);
    t.match(text, escapeControls(EVIL), `${what}: the value shown escaped`);
    if (lines !== undefined) t.equal(text.trimEnd().split('\n').length, lines, `${what}: a newline in a value forges no row`);
  }
  t.notOk(
    renderVm(vm, new Map())
      .split('\n')
      .some((l) => l.startsWith('\tend')),
    'nor a line in show',
  );
});
