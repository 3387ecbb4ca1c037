import t from 'tap';
import type { HostSsh } from '../../src/hosts/host-record.js';
import { migrationPort, nodeCommand } from '../../src/vms/node-command.js';
import { saves, type TransferFacts, type TransferOp } from '../../src/vms/transfer-facts.js';
import { isLocal, planTransfer } from '../../src/vms/transfer-plan.js';
import { staged } from '../../src/vms/transfer-plan-ssh.js';
import type { Operation } from '../../src/vms/vm-lifecycle.js';
import type { HistoryRecord, PendingOp, VmRecord } from '../../src/vms/vm-record.js';

// Plans without actors: which TM_MAD moves what, in which order, for every prolog and epilog.

const SHARED_HOST = 1;
const SSH_HOST = 2;
const OTHER_SSH_HOST = 3;
const FRONT = '/ds/0/9';
const IMAGES = '/ds/1';
const ACCESS: Readonly<Record<number, HostSsh>> = {
  [SSH_HOST]: { user: 'root', host: '10.0.0.2', port: 22, dir: '/var/lib/nephele/node' },
  [OTHER_SSH_HOST]: { user: 'root', host: '10.0.0.3', port: 22, dir: '/srv/node' },
};

const stay = (seq: number, hostId: number): HistoryRecord => ({ seq, hostId, stime: 1, etime: undefined, reason: undefined });

function vm(history: readonly HistoryRecord[] = [stay(0, SSH_HOST)], more: Partial<VmRecord> = {}): VmRecord {
  return {
    id: 9,
    name: 'web',
    uid: 0,
    template: '',
    cpu: 1,
    vcpu: 1,
    memory: 64,
    state: 'PROLOG',
    history,
    pending: undefined,
    opSeq: 1,
    scheduled: false,
    stime: 1,
    etime: undefined,
    lastError: undefined,
    disks: [
      { diskId: 0, type: 'disk', action: 'clone', source: '/ds/1/debian', format: 'qcow2', readonly: false },
      { diskId: 1, type: 'disk', action: 'link', source: '/ds/1/data', format: 'raw', readonly: false, saveAs: 'data-copy' },
      { diskId: 2, type: 'disk', action: 'swap', format: 'raw', sizeMb: 64, readonly: false },
    ],
    os: { kernelImage: '/ds/1/vmlinuz' },
    context: { HOSTNAME: 'web' },
    ...more,
  };
}

function facts(record: VmRecord, dir: string | undefined = FRONT): TransferFacts {
  return { vm: record, dir, images: IMAGES, sshOf: (h) => ACCESS[h] };
}

function op(effect: Extract<Operation, { kind: 'prolog' | 'epilog' }>, hostId: number | undefined): TransferOp {
  return { opId: '9.2', effect, hostId };
}

t.test('TM_MAD = shared: the node makes the files once and removes them once; oned moves nothing', async (t) => {
  const f = facts(vm([stay(0, SHARED_HOST)]));
  const prolog = planTransfer(op({ kind: 'prolog', from: 'images' }, SHARED_HOST), f);
  t.same(Object.keys(prolog), ['node']);
  t.equal(prolog.node?.type, 'vm.prolog');
  t.equal(prolog.node?.dir, FRONT, 'in the shared directory');
  if (prolog.node?.type === 'vm.prolog') {
    t.same(
      prolog.node.steps.map((s) => [s.action, s.source]),
      [
        ['clone', '/ds/1/debian'],
        ['link', '/ds/1/data'],
        ['swap', undefined],
        ['file', '/ds/1/vmlinuz'],
      ],
    );
    t.equal(prolog.node.context?.target, `${FRONT}/disk.3`, 'the context CD after the disks');
  }
  for (const from of ['system_ds', 'previous_host'] as const) {
    t.same(planTransfer(op({ kind: 'prolog', from }, SHARED_HOST), f), {}, `prolog from ${from}: the files are where they were`);
    t.ok(isLocal(op({ kind: 'prolog', from }, SHARED_HOST), f));
  }
  t.same(planTransfer(op({ kind: 'epilog', keepDisks: true }, SHARED_HOST), f), {});
  const epilog = planTransfer(op({ kind: 'epilog', keepDisks: false }, SHARED_HOST), f);
  t.same(Object.keys(epilog), ['node']);
  t.match(epilog.node, { type: 'vm.epilog', dir: FRONT, purge: true });
  if (epilog.node?.type === 'vm.epilog') {
    t.equal(epilog.node.saves.length, 1, 'SAVE = yes disks only');
    t.equal(epilog.node.saves[0]?.source, `${FRONT}/disk.1`);
    t.match(epilog.node.saves[0]?.target, /^\/ds\/1\/[0-9a-f]{32}$/, 'into the images datastore');
  }
  t.notOk(isLocal(op({ kind: 'epilog', keepDisks: false }, SHARED_HOST), f));
});

t.test('a VM without files has nothing to move, whatever its host', async (t) => {
  const f: TransferFacts = { ...facts(vm([stay(0, SSH_HOST)], { disks: [], os: {}, context: undefined })), dir: undefined };
  for (const effect of [
    { kind: 'prolog', from: 'images' },
    { kind: 'epilog', keepDisks: false },
  ] as const) {
    t.same(planTransfer(op(effect, SSH_HOST), f), {});
    t.ok(isLocal(op(effect, SSH_HOST), f));
  }
});

t.test('TM_MAD = ssh prolog from the images: upload beside the disks, the node copies, oned removes the uploads', async (t) => {
  const record = vm();
  const dir = '/var/lib/nephele/node/datastores/0/9';
  const plan = planTransfer(op({ kind: 'prolog', from: 'images' }, SSH_HOST), facts(record));
  t.same(Object.keys(plan), ['before', 'node', 'after']);
  t.same(plan.before, { kind: 'put', host: SSH_HOST, files: staged(record, dir) });
  t.same(
    staged(record, dir).map((f) => f.remote),
    [`${dir}/disk.0.src`, `${dir}/disk.1.src`, `${dir}/kernel`],
  );
  t.equal(plan.node?.dir, dir, "in the host's own datastores");
  if (plan.node?.type === 'vm.prolog') {
    t.same(
      plan.node.steps.slice(0, 2).map((s) => [s.action, s.source]),
      [
        ['copy', `${dir}/disk.0.src`],
        ['copy', `${dir}/disk.1.src`],
      ],
      'each disk a whole copy of its upload',
    );
    t.same(plan.node.steps[3], { action: 'file', source: `${dir}/kernel`, target: `${dir}/kernel` }, 'the kernel is in place already');
  }
  t.same(
    plan.after,
    { kind: 'remove', host: SSH_HOST, paths: [`${dir}/disk.0.src`, `${dir}/disk.1.src`] },
    'the uploads go, the kernel stays',
  );
});

t.test('TM_MAD = ssh moves: from the system datastore, between hosts, back at stop', async (t) => {
  const dir = '/var/lib/nephele/node/datastores/0/9';
  const f = facts(vm([stay(0, OTHER_SSH_HOST), stay(1, SSH_HOST)]));
  t.same(planTransfer(op({ kind: 'prolog', from: 'system_ds' }, SSH_HOST), f), {
    before: { kind: 'move', from: { dir: FRONT }, to: { host: SSH_HOST, dir } },
  });
  t.same(
    planTransfer(op({ kind: 'prolog', from: 'previous_host' }, SSH_HOST), f),
    {
      before: { kind: 'move', from: { host: OTHER_SSH_HOST, dir: '/srv/node/datastores/0/9' }, to: { host: SSH_HOST, dir } },
    },
    'a cold migration moves the directory from host to host',
  );
  t.same(
    planTransfer(op({ kind: 'epilog', keepDisks: true }, SSH_HOST), f),
    {
      before: { kind: 'move', from: { host: SSH_HOST, dir }, to: { dir: FRONT } },
    },
    'stop and undeploy bring the directory to the front-end',
  );
  t.notOk(isLocal(op({ kind: 'prolog', from: 'system_ds' }, SSH_HOST), f));
  t.equal(nodeCommand(op({ kind: 'prolog', from: 'system_ds' }, SSH_HOST), f), undefined, 'nothing for the node');
});

t.test("a cold migration from a TM_MAD = ssh host to a shared one is oned's move too", async (t) => {
  const f = facts(vm([stay(0, SSH_HOST), stay(1, SHARED_HOST)]));
  t.same(planTransfer(op({ kind: 'prolog', from: 'previous_host' }, SHARED_HOST), f), {
    before: { kind: 'move', from: { host: SSH_HOST, dir: '/var/lib/nephele/node/datastores/0/9' }, to: { dir: FRONT } },
  });
  const shared = facts(vm([stay(0, SHARED_HOST), stay(1, SHARED_HOST + 10)]));
  t.same(planTransfer(op({ kind: 'prolog', from: 'previous_host' }, SHARED_HOST + 10), shared), {}, 'shared to shared moves nothing');
});

t.test('TM_MAD = ssh terminate: the node saves on the host, oned brings saves and disks used in place back', async (t) => {
  const record = vm();
  const dir = '/var/lib/nephele/node/datastores/0/9';
  const plan = planTransfer(op({ kind: 'epilog', keepDisks: false }, SSH_HOST), facts(record));
  const onHost = saves(record, dir, '9.2', '/var/lib/nephele/node/datastores/1');
  t.same(plan.node, { type: 'vm.epilog', opId: '9.2', vmId: 9, dir, saves: onHost, purge: false }, 'the directory stays for oned');
  const name = onHost[0]?.target.split('/').at(-1) ?? '';
  t.equal(name, saves(record, FRONT, '9.2', IMAGES)[0]?.target.split('/').at(-1), 'the same name on the host and in the images datastore');
  t.same(plan.after, {
    kind: 'bring_back',
    host: SSH_HOST,
    dir,
    files: [
      { remote: onHost[0]?.target, local: `${IMAGES}/${name}` },
      { remote: `${dir}/disk.1`, local: '/ds/1/data' },
    ],
  });
});

t.test('saves are named after the operation: the same on a resend, another for another operation', async (t) => {
  const record = vm();
  t.same(saves(record, FRONT, '9.2', IMAGES), saves(record, FRONT, '9.2', IMAGES));
  t.not(saves(record, FRONT, '9.2', IMAGES)[0]?.target, saves(record, FRONT, '9.3', IMAGES)[0]?.target);
  t.same(saves(record, FRONT, '9.2', undefined), [], 'no images datastore, nothing saved');
});

t.test("the node's commands of the other operations", async (t) => {
  const record = vm([stay(0, SSH_HOST)]);
  const f = facts(record);
  const cmd = (effect: Operation, hostId: number | undefined = SSH_HOST) =>
    nodeCommand({ opId: '9.5', effect, hostId } satisfies PendingOp, f);
  t.match(cmd({ kind: 'deploy' }), { type: 'vm.deploy', opId: '9.5', spec: { vmId: 9 } });
  t.match(cmd({ kind: 'restore' }), { type: 'vm.restore', spec: { vmId: 9 } });
  t.match(cmd({ kind: 'migrate_live', to: SSH_HOST }), { type: 'vm.migrate_in', listen: { host: '', port: migrationPort(9) } });
  t.same(cmd({ kind: 'save' }), { type: 'vm.save', opId: '9.5', vmId: 9 });
  t.same(cmd({ kind: 'shutdown', hard: false }), { type: 'vm.shutdown', opId: '9.5', vmId: 9, hard: false });
  t.same(cmd({ kind: 'reboot', hard: true }), { type: 'vm.reboot', opId: '9.5', vmId: 9, hard: true });
  t.same(
    cmd({ kind: 'cleanup' }),
    { type: 'vm.shutdown', opId: '9.5', vmId: 9, hard: true, purge: '/var/lib/nephele/node/datastores/0/9' },
    'a cleanup purges the directory on the host it runs on',
  );
  t.same(cmd({ kind: 'cleanup' }, SHARED_HOST), { type: 'vm.shutdown', opId: '9.5', vmId: 9, hard: true, purge: FRONT });
  t.notOk(isLocal({ opId: '9.5', effect: { kind: 'deploy' }, hostId: SSH_HOST }, f), 'only transfers can be local');
});
