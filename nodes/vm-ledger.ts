import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { NepheleError, type ErrorCode } from '../src/errors.js';
import type { VmSpec } from '../src/protocol/domain.js';

/** A command the agent carried out, remembered by its operation id. */
export interface LedgerOp {
  readonly vmId: number;
  /** The command, e.g. `vm.deploy`. */
  readonly op: string;
  /** When it ended, ms since the epoch. */
  readonly at: number;
  /** Its outcome, to tell the front-end again when it retries the command. Absent: read as success. */
  readonly ok?: boolean;
  /** The error it failed with. */
  readonly error?: { readonly code: ErrorCode; readonly message: string };
}

export interface VmLedgerOptions {
  /** How many operation ids to remember; the oldest are forgotten first. @default 10000 */
  readonly maxOps?: number;
  /** Replaces fs.rename in the atomic write, for fault-injection tests. */
  readonly rename?: (from: string, to: string) => Promise<void>;
}

interface LedgerFile {
  readonly version: 1;
  /** Oldest first. */
  readonly ops: ReadonlyArray<LedgerOp & { readonly opId: string }>;
  readonly vms: readonly VmSpec[];
}

const noop = (): void => {};

/**
 * The agent's own record of the VMs it runs and the commands it has done, so
 * that it can reconcile with the front-end after either side restarts and
 * recognise a command retried with the same operation id.
 *
 * Kept in memory and persisted as one JSON file (mode 0600), rewritten
 * atomically: the new content goes to `<file>.tmp`, is fsynced, and is
 * renamed over the file, so the file always holds the last complete write.
 * Changes made while a write is in flight are carried together by the next
 * one, so many concurrent commands cost a few writes, not one each. One
 * ledger per file: two instances on one file overwrite each other.
 *
 * Record an operation once its effect is done: a crash in between makes the
 * retry run the (idempotent) driver operation again rather than skip it.
 */
export class VmLedger {
  /** Undefined for a ledger kept in memory only (`VmLedger.memory()`). */
  readonly file: string | undefined;
  private readonly maxOps: number;
  private readonly renameFile: (from: string, to: string) => Promise<void>;
  private readonly ops: Map<string, LedgerOp>;
  private readonly specs: Map<number, VmSpec>;
  /** The write in flight, and the one queued behind it to carry later changes. */
  private writing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private closed = false;

  private constructor(file: string | undefined, content: LedgerFile, options: VmLedgerOptions) {
    this.file = file;
    this.maxOps = options.maxOps ?? 10_000;
    if (!(Number.isInteger(this.maxOps) && this.maxOps > 0)) {
      throw new TypeError(`maxOps must be a positive integer, got ${this.maxOps}`);
    }
    this.renameFile = options.rename ?? rename;
    this.ops = new Map(content.ops.map(({ opId, ...entry }) => [opId, entry]));
    this.specs = new Map(content.vms.map((spec) => [spec.vmId, spec]));
    this.trim();
  }

  /**
   * Loads the ledger from `file`, or starts an empty one when there is none.
   * A `<file>.tmp` left by a write that never completed is discarded. A file
   * that is not a ledger is `DRIVER_FAILED`: the agent must not forget its VMs
   * silently.
   */
  static async open(file: string, options: VmLedgerOptions = {}): Promise<VmLedger> {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await rm(`${file}.tmp`, { force: true });
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return new VmLedger(file, { version: 1, ops: [], vms: [] }, options);
    }
    return new VmLedger(file, parse(text, file), options);
  }

  /**
   * A ledger in memory only, for a simulated host (`onenode --simulate`):
   * its VMs live in the process's memory too, so both are gone together
   * and a file would only claim VMs that no longer run.
   */
  static memory(options: Pick<VmLedgerOptions, 'maxOps'> = {}): VmLedger {
    return new VmLedger(undefined, { version: 1, ops: [], vms: [] }, options);
  }

  /** Whether the operation is remembered as done. */
  has(opId: string): boolean {
    return this.ops.has(opId);
  }

  get(opId: string): LedgerOp | undefined {
    return this.ops.get(opId);
  }

  /** How many operation ids are remembered. */
  get size(): number {
    return this.ops.size;
  }

  /**
   * Remembers the operation as done (with its outcome, succeeded or failed)
   * and resolves once that is on disk. An opId already remembered keeps its
   * first entry. A failed write rejects
   * every change it carried; they stay in memory and the next write retries.
   * `runs`: the VM the operation left running here, remembered in the same
   * write (as `setVm` would), so a deploy costs one write, not two.
   */
  record(opId: string, entry: LedgerOp, runs?: VmSpec): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.file));
    if (typeof opId !== 'string' || opId === '') throw new TypeError('opId must be a non-empty string');
    if (runs !== undefined && runs.vmId !== entry.vmId) throw new TypeError(`spec is for VM ${runs.vmId}, not ${entry.vmId}`);
    if (runs !== undefined) this.specs.set(runs.vmId, runs);
    if (this.ops.has(opId)) return runs === undefined ? this.flushed() : this.persist();
    this.ops.set(opId, copy(entry));
    this.trim();
    return this.persist();
  }

  /** The VMs this host runs as far as the agent knows, ordered by vmId. */
  vms(): VmSpec[] {
    return [...this.specs.values()].sort((a, b) => a.vmId - b.vmId);
  }

  vm(vmId: number): VmSpec | undefined {
    return this.specs.get(vmId);
  }

  /** Records that the host runs the VM (`spec`) or no longer does (`undefined`); resolves once on disk. */
  setVm(vmId: number, spec: VmSpec | undefined): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.file));
    if (spec !== undefined && spec.vmId !== vmId) throw new TypeError(`spec is for VM ${spec.vmId}, not ${vmId}`);
    if (spec === undefined) {
      if (!this.specs.delete(vmId)) return this.flushed();
    } else {
      this.specs.set(vmId, spec);
    }
    return this.persist();
  }

  /**
   * Makes the ledger agree with the hypervisor at agent start: every VM it
   * lists that is not in `held` (the VMs the driver holds now) is forgotten,
   * with the operations done on it. A dummy VM lives in the agent's memory
   * and dies with it; a qemu VM whose record went cannot be re-adopted. A
   * deploy remembered as done for such a VM would answer a retried deploy
   * "done" for a VM that no longer exists, so it goes too and the retry runs.
   * Resolves with the forgotten VMs' specs once that is on disk.
   */
  async reconcile(held: ReadonlySet<number>): Promise<VmSpec[]> {
    const gone = this.vms().filter((spec) => !held.has(spec.vmId));
    if (gone.length === 0) return gone;
    if (this.closed) throw closedError(this.file);
    const ids = new Set(gone.map((spec) => spec.vmId));
    for (const vmId of ids) this.specs.delete(vmId);
    for (const [opId, entry] of this.ops) if (ids.has(entry.vmId)) this.ops.delete(opId);
    await this.persist();
    return gone;
  }

  /** Waits for pending writes; afterwards changes are `STORE_CLOSED`. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushed();
  }

  /** Forgets the oldest operation ids beyond maxOps. */
  private trim(): void {
    for (const opId of this.ops.keys()) {
      if (this.ops.size <= this.maxOps) break;
      this.ops.delete(opId);
    }
  }

  /** Resolves when every change made so far is on disk. */
  private flushed(): Promise<void> {
    return this.queued ?? this.writing ?? Promise.resolve();
  }

  /** A write that starts after the current one and carries every change made before it starts. */
  private persist(): Promise<void> {
    if (this.file === undefined) return Promise.resolve();
    if (this.queued !== undefined) return this.queued;
    const write: Promise<void> = (this.writing ?? Promise.resolve())
      .catch(noop)
      .then(() => {
        this.queued = undefined;
        this.writing = write;
        return this.write();
      })
      .finally(() => {
        if (this.writing === write) this.writing = undefined;
      });
    this.queued = write;
    return write;
  }

  private async write(): Promise<void> {
    const file = this.file as string;
    const content: LedgerFile = {
      version: 1,
      ops: [...this.ops].map(([opId, entry]) => ({ opId, ...entry })),
      vms: this.vms(),
    };
    const tmp = `${file}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.chmod(0o600); // a leftover tmp keeps its old mode through open()
      await handle.writeFile(JSON.stringify(content));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await this.renameFile(tmp, file);
    // make the rename itself durable
    const dir = await open(dirname(file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

function parse(text: string, file: string): LedgerFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw corrupt(file, cause);
  }
  const content = value as Partial<LedgerFile> | null;
  if (
    content === null ||
    typeof content !== 'object' ||
    content.version !== 1 ||
    !Array.isArray(content.ops) ||
    !Array.isArray(content.vms) ||
    !content.ops.every(isOp) ||
    !content.vms.every((s) => typeof s?.vmId === 'number')
  )
    throw corrupt(file);
  return content as LedgerFile;
}

function isOp(o: Partial<LedgerOp & { opId: string }> | null): boolean {
  return (
    o !== null &&
    typeof o === 'object' &&
    typeof o.opId === 'string' &&
    typeof o.vmId === 'number' &&
    typeof o.op === 'string' &&
    typeof o.at === 'number' &&
    (o.ok === undefined || typeof o.ok === 'boolean') &&
    (o.error === undefined || (typeof o.error?.code === 'string' && typeof o.error.message === 'string'))
  );
}

/** The ledger's fields only: nothing else the caller's object carries reaches the file. */
function copy(entry: LedgerOp): LedgerOp {
  const { vmId, op, at, ok, error } = entry;
  return {
    vmId,
    op,
    at,
    ...(ok === undefined ? {} : { ok }),
    ...(error === undefined ? {} : { error: { code: error.code, message: error.message } }),
  };
}

function corrupt(file: string, cause?: unknown): NepheleError {
  const options = cause === undefined ? { details: { file } } : { cause, details: { file } };
  return new NepheleError('DRIVER_FAILED', `${file} is not a VM ledger`, options);
}

function closedError(file: string | undefined): NepheleError {
  return new NepheleError('STORE_CLOSED', 'the VM ledger is closed', { details: file === undefined ? {} : { file } });
}
