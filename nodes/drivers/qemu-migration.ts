/**
 * Moving a VM's state with QEMU's migration: to and from a checkpoint file
 * (save/restore) and to another QEMU over TCP (live migration).
 */
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NepheleError } from '../../src/errors.js';
import { receiveToFile, sendFile } from './migration-stream.js';
import { VM_FILES } from './qemu-args.js';
import { socketPath } from './qemu-process.js';
import type { QmpClient } from './qmp-client.js';

/** The VM whose state moves: its QMP connection, runtime directory (sockets) and QEMU pid. */
export interface MigratingVm {
  readonly qmp: QmpClient;
  readonly dir: string;
  readonly pid: number;
  /** Where its checkpoint lives (the VM's datastore directory, which other hosts may reach). @default dir */
  readonly checkpointDir?: string;
}

interface MigrationInfo {
  status?: string;
  'error-desc'?: string;
}

/** A file or a local stream is no network: let QEMU send as fast as it can. */
const UNTHROTTLED = 1024 * 1024 * 1024 * 1024;

/** Resolves once the VM's migration (outgoing or incoming) completed; DRIVER_FAILED if it failed. */
export async function waitMigration(vm: MigratingVm, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await vm.qmp.execute<MigrationInfo>('query-migrate', undefined, { signal });
    if (info.status === 'completed') return;
    if (info.status === 'failed' || info.status === 'cancelled') {
      throw new NepheleError('DRIVER_FAILED', `the migration ${info.status}: ${info['error-desc'] ?? 'no reason given'}`, {
        details: { driver: 'qemu', status: info.status, error: info['error-desc'] },
      });
    }
    if (Date.now() > deadline) {
      throw new NepheleError('DRIVER_FAILED', `the migration did not complete in ${timeoutMs} ms`, {
        details: { driver: 'qemu', status: info.status, timeoutMs },
      });
    }
    await sleep(50, signal);
  }
}

/**
 * Sends the VM's state out to `uri` (QEMU's migration URI) and waits for
 * the end. On failure or abort the migration is cancelled; QEMU then keeps
 * running the VM as before.
 */
export async function migrateTo(vm: MigratingVm, uri: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  await vm.qmp.execute('migrate-set-parameters', { 'max-bandwidth': UNTHROTTLED }, { signal });
  await vm.qmp.execute('migrate', { uri }, { signal });
  try {
    await waitMigration(vm, timeoutMs, signal);
  } catch (err) {
    await vm.qmp.execute('migrate_cancel').catch(() => {});
    throw err;
  }
}

/**
 * Writes the VM's state to its checkpoint file. The VM's CPUs are stopped
 * first (a saved VM is not running anyway, and a stopped one copies once).
 * The file appears only once complete.
 */
export async function saveCheckpoint(vm: MigratingVm, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const store = vm.checkpointDir ?? vm.dir;
  const partial = join(store, `${VM_FILES.checkpoint}.partial`);
  const receiver = await receiveToFile(socketPath(vm.dir, vm.pid, VM_FILES.saveSocket), partial, signal);
  try {
    // QEMU resolves the socket's relative path in its working directory, the VM's
    await migrateTo(vm, `unix:${VM_FILES.saveSocket}`, timeoutMs, signal);
    await receiver.done;
    await rename(partial, join(store, VM_FILES.checkpoint));
  } catch (err) {
    receiver.close();
    await rm(partial, { force: true });
    throw err;
  } finally {
    await rm(join(vm.dir, VM_FILES.saveSocket), { force: true });
  }
}

/** True when the VM's directory holds a checkpoint to restore. */
export async function hasCheckpoint(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, VM_FILES.checkpoint))).isFile();
  } catch {
    return false;
  }
}

/**
 * Loads the checkpoint into a QEMU started with `-incoming defer`, waits for
 * it to be in, and removes it: the guest goes on from there, so the file is
 * stale from now on.
 */
export async function loadCheckpoint(vm: MigratingVm, timeoutMs: number, signal: AbortSignal): Promise<void> {
  await vm.qmp.execute('migrate-incoming', { uri: `unix:${VM_FILES.restoreSocket}` }, { signal });
  // QEMU closes the socket once it has read the end marker, maybe before our side has finished:
  // whether the state got in is what query-migrate says next.
  const checkpoint = join(vm.checkpointDir ?? vm.dir, VM_FILES.checkpoint);
  await sendFile(socketPath(vm.dir, vm.pid, VM_FILES.restoreSocket), checkpoint, signal, { peerMayClose: true });
  await waitMigration(vm, timeoutMs, signal);
  await rm(checkpoint, { force: true });
}

/** Resolves after `ms`, or rejects with the signal's reason. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const abort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal.addEventListener('abort', abort, { once: true });
  });
}
