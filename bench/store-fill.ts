/**
 * Fills oned's store while oned is down, so that a restart finds tens of
 * thousands of VMs without creating them one by one through the API (the
 * lifecycle and scale suites), and reads it back raw (their baseline).
 */
import type { VmRecord } from '../src/vms/vm-record.js';
import { Store } from '../src/store/index.js';
import { now } from './suite.js';

/** Records per LevelDB batch. */
const CHUNK = 2_000;

/**
 * A VM as its actor leaves it after `onevm poweroff`, in the shape of `like`
 * (a record the VM pool wrote, read back from the store): its host kept
 * (one open stay, which it registers with at start), no operation in
 * flight, the shutdown it took counted. POWEROFF rather than RUNNING: the
 * simulated hosts do not run these VMs, and oned would rightly reconcile
 * RUNNING ones to POWEROFF when the hosts come back — transitions that are
 * no part of a restart.
 */
export function poweredOffLike(like: VmRecord, id: number, hostId: number, at: number): VmRecord {
  return {
    ...like,
    id,
    name: `one-${id}`,
    state: 'POWEROFF',
    history: [{ seq: 0, hostId, stime: at, etime: undefined, rstime: at, reason: undefined }],
    pending: undefined,
    // prolog, deploy, shutdown
    opSeq: 3,
    scheduled: false,
    stime: at,
    etime: undefined,
    lastError: undefined,
    schedMessage: undefined,
  };
}

/**
 * Adds records made by `make` until the store in `dbDir` holds `total` VMs;
 * returns how many it wrote and how long it took (ms). The store must not be
 * open elsewhere (LevelDB's lock says so if it is).
 */
export async function fillStore(
  dbDir: string,
  total: number,
  make: (id: number, at: number) => VmRecord,
): Promise<{ written: number; ms: number }> {
  const t0 = now();
  const store = await Store.open(dbDir);
  try {
    const have = await store.count('vms');
    const at = Date.now();
    let written = 0;
    while (have + written < total) {
      const chunk = Math.min(CHUNK, total - have - written);
      const ops = [];
      for (let j = 0; j < chunk; j++) {
        const id = store.reserveId('vms');
        ops.push({ type: 'put' as const, kind: 'vms' as const, id, value: make(id, at) });
      }
      await store.batch(ops);
      written += chunk;
    }
    return { written, ms: now() - t0 };
  } finally {
    await store.close();
  }
}

/** The raw cost of reading the state back: open the LevelDB and decode every VM record; ms. */
export async function readState(dbDir: string, expect: number): Promise<number> {
  const t0 = now();
  const store = await Store.open(dbDir);
  try {
    const all = await store.list('vms');
    if (all.length !== expect) throw new Error(`store holds ${all.length} VMs, expected ${expect}`);
    return now() - t0;
  } finally {
    await store.close();
  }
}

/** One VM record as the pool wrote it, to copy the shape of. */
export async function sampleRecord(dbDir: string, id: number): Promise<VmRecord> {
  const store = await Store.open(dbDir);
  try {
    const r = await store.get('vms', id);
    if (r === undefined) throw new Error(`no VM ${id} in the store`);
    return r;
  } finally {
    await store.close();
  }
}
