/**
 * Images through oned's API: the edge's checks on uploads, and what a
 * restart of oned does to an upload cut off and to the uses of VMs that
 * are gone.
 */
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import t from 'tap';
import type { ImagePoolMsg } from '../../src/images/image-pool.js';
import { UPLOAD_CHUNK_BYTES } from '../../src/images/image-record.js';
import { adminClient, onedOn } from '../fixtures/cloud.js';

t.test(
  'uploads are checked at the edge; a restart puts an unfinished upload in ERROR and releases the uses of VMs that are gone',
  async (t) => {
    const dir = t.testdir();
    const start = onedOn(dir);
    const first = await start();
    const c1 = await adminClient(first);
    const base = { type: 'OS' as const, persistent: false, description: '' };
    const { id: cut } = await c1.call('image.allocate', { name: 'cut', ...base });
    await t.rejects(
      c1.call('image.upload', { id: cut, offset: 0, data: new Uint8Array(UPLOAD_CHUNK_BYTES + 1) }),
      { code: 'INVALID_ARGUMENT', details: { field: 'data' } },
      'a chunk over 4 MiB',
    );
    await t.rejects(
      c1.call('image.allocate', { name: 'x', ...base, format: 'qcow2' }),
      { code: 'INVALID_ARGUMENT', details: { field: 'format' } },
      "an upload's format is not the user's to say",
    );
    t.same(
      await c1.call('image.upload', { id: cut, offset: 0, data: new Uint8Array(UPLOAD_CHUNK_BYTES).fill(7) }),
      { id: cut, received: UPLOAD_CHUNK_BYTES },
      "a full 4 MiB chunk passes the API's size bound",
    );

    const { id: used } = await c1.call('image.allocate', { name: 'used', ...base });
    await c1.call('image.upload', { id: used, offset: 0, data: randomBytes(1000) });
    await c1.call('image.commit', { id: used, size: 1000 });
    // A use by a VM no record holds: what a crash between the acquire and the VM's first write leaves.
    await first.system
      .lookup<ImagePoolMsg>('image-pool')
      ?.ask({ type: 'acquire', vmId: 999, refs: [{ imageId: used, use: 'disk' }], session: { uid: 0, gid: 0, admin: true } });
    t.match(await c1.call('image.info', { image: used }), { state: 'USED', runningVms: [999] });
    c1.close();
    await first.close();

    const second = await start();
    t.teardown(() => second.close());
    const c2 = await adminClient(second);
    t.teardown(() => c2.close());
    t.match(await c2.call('image.info', { image: used }), { state: 'READY', runningVms: [] }, 'the orphan use is released');
    const failed = await c2.call('image.info', { image: 'cut' });
    t.match(failed, { state: 'ERROR', error: /did not finish/ });
    await t.rejects(c2.call('image.upload', { id: cut, offset: UPLOAD_CHUNK_BYTES, data: new Uint8Array(10) }), {
      code: 'ACTION_NOT_ALLOWED',
    });
    t.same(await c2.call('image.delete', { image: cut }), { id: cut });
    await t.rejects(stat(failed.source), { code: 'ENOENT' });
  },
);
