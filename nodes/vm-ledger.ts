import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
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
  /**
   * Appends past which the file is rewritten whole (compacted), in bytes; it
   * is rewritten no sooner than when the appends outgrow the last whole
   * write, so each change costs its own bytes plus, amortised, a few more.
   * @default 1 MiB
   */
  readonly compactAfterBytes?: number;
  /** Replaces fs.rename in the whole rewrite, for fault-injection tests. */
  readonly rename?: (from: string, to: string) => Promise<void>;
  /** Replaces the append of changes to the file, for fault-injection tests. */
  readonly append?: (file: FileHandle, text: string) => Promise<void>;
}

/** The whole ledger: the file's first line (and, before changes were appended, its only one). */
export interface LedgerFile {
  readonly version: 1;
  /** Oldest first. */
  readonly ops: ReadonlyArray<LedgerOp & { readonly opId: string }>;
  readonly vms: readonly VmSpec[];
}

/** A change appended after the whole ledger: an operation done, a VM set, a VM gone. */
type LedgerChange = { readonly op: LedgerOp & { readonly opId: string } } | { readonly vm: VmSpec } | { readonly gone: number };

const noop = (): void => {};

/**
 * The agent's own record of the VMs it runs and the commands it has done, so
 * that it can reconcile with the front-end after either side restarts and
 * recognise a command retried with the same operation id.
 *
 * Kept in memory and persisted in one file (mode 0600) of JSON lines: the
 * whole ledger on the first line, then the changes since, appended
 * through a descriptor opened O_DSYNC. A write appends only what changed,
 * so its cost does not grow with the hundreds of VMs and thousands of
 * operation ids the ledger holds. Once the appends outgrow the whole (and `compactAfterBytes`), the
 * file is rewritten atomically — the whole ledger to `<file>.tmp`, fsynced,
 * renamed over the file — and so is it after a failed write, whose
 * changes may have reached the file in part. A last line cut short by a
 * crash during an append is not taken. Changes made while a write is in
 * flight are carried together by the next one, so many concurrent
 * commands cost a few writes, not one each. One ledger per file: two
 * instances on one file overwrite each other.
 *
 * Record an operation once its effect is done: a crash in between makes the
 * retry run the (idempotent) driver operation again rather than skip it.
 */
export class VmLedger {
  /** Undefined for a ledger kept in memory only (`VmLedger.memory()`). */
  readonly file: string | undefined;
  private readonly maxOps: number;
  private readonly renameFile: (from: string, to: string) => Promise<void>;
  private readonly appendFile: (file: FileHandle, text: string) => Promise<void>;
  private readonly compactAfterBytes: number;
  private readonly ops: Map<string, LedgerOp>;
  private readonly specs: Map<number, VmSpec>;
  /** The write in flight, and the one queued behind it to carry later changes. */
  private writing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private closed = false;
  /** Changes not yet on disk, one JSON line each. */
  private changes: string[] = [];
  /** The next write rewrites the file whole: a write failed part way, or changes have no line of their own. */
  private rewrite = false;
  /** Bytes of the last whole write, and appended since. */
  private wholeBytes = 0;
  private appendedBytes = 0;
  /** Open for appending since the last whole write. */
  private handle: FileHandle | undefined;

  private constructor(file: string | undefined, content: LedgerFile, options: VmLedgerOptions) {
    this.file = file;
    this.maxOps = options.maxOps ?? 10_000;
    if (!(Number.isInteger(this.maxOps) && this.maxOps > 0)) {
      throw new TypeError(`maxOps must be a positive integer, got ${this.maxOps}`);
    }
    this.renameFile = options.rename ?? rename;
    this.appendFile = options.append ?? ((handle, text) => handle.appendFile(text));
    this.compactAfterBytes = options.compactAfterBytes ?? 1024 * 1024;
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
    // Rewritten whole at the first write (nothing is open for appending yet): a file of the
    // one-line format of old, or one whose last append was cut short, then holds whole lines again.
    return new VmLedger(file, parseLedger(text, file), options);
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
    if (runs !== undefined) this.setSpec(runs);
    if (this.ops.has(opId)) return runs === undefined ? this.flushed() : this.persist();
    const op = copy(entry);
    this.ops.set(opId, op);
    this.note({ op: { opId, ...op } });
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
      this.note({ gone: vmId });
    } else {
      this.setSpec(spec);
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
    // Forgotten operation ids have no change line of their own: the whole ledger goes.
    this.rewrite = true;
    await this.persist();
    return gone;
  }

  /** Waits for pending writes; afterwards changes are `STORE_CLOSED`. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushed();
    await this.handle?.close();
    this.handle = undefined;
  }

  private setSpec(spec: VmSpec): void {
    this.specs.set(spec.vmId, spec);
    this.note({ vm: spec });
  }

  /** A change to append with the next write (none for a ledger in memory). */
  private note(change: LedgerChange): void {
    if (this.file !== undefined) this.changes.push(`${JSON.stringify(change)}\n`);
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
    const lines = this.changes;
    this.changes = [];
    const appended = lines.reduce((n, line) => n + Buffer.byteLength(line), 0);
    const handle = this.handle;
    const whole = this.rewrite || handle === undefined || this.appendedBytes + appended > Math.max(this.compactAfterBytes, this.wholeBytes);
    this.rewrite = false;
    try {
      if (whole) {
        await this.writeWhole();
      } else if (lines.length > 0) {
        // Opened O_DSYNC: the append is on disk when it returns, one system call rather than two.
        await this.appendFile(handle, lines.join(''));
        this.appendedBytes += appended;
      }
    } catch (err) {
      // What reached the file is unknown (a line may be cut short): the next write rewrites it whole.
      this.rewrite = true;
      throw err;
    }
  }

  /** The whole ledger, atomically: to `<file>.tmp`, fsynced, renamed over the file, the rename made durable. */
  private async writeWhole(): Promise<void> {
    const file = this.file as string;
    const content: LedgerFile = {
      version: 1,
      ops: [...this.ops].map(([opId, entry]) => ({ opId, ...entry })),
      vms: this.vms(),
    };
    // Every change so far is in this content; those made from now on are appended after it.
    this.changes = [];
    const text = `${JSON.stringify(content)}\n`;
    await this.handle?.close();
    this.handle = undefined;
    const tmp = `${file}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.chmod(0o600); // a leftover tmp keeps its old mode through open()
      await handle.writeFile(text);
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
    this.wholeBytes = Buffer.byteLength(text);
    this.appendedBytes = 0;
    this.handle = await open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_DSYNC);
  }
}

/**
 * The whole ledger on the first line, then the changes appended since, in
 * order. A last line without its newline was cut short by a crash during an
 * append and is not taken; anything else that does not read is not a ledger.
 */
export function parseLedger(text: string, file: string): LedgerFile {
  const lines = text.split('\n');
  // After the last newline: empty, or an append cut short (never the first line, written whole).
  if (lines.length > 1) lines.pop();
  const [first, ...rest] = lines;
  const whole = parseLine(first ?? '', file) as Partial<LedgerFile> | null;
  if (
    whole === null ||
    typeof whole !== 'object' ||
    whole.version !== 1 ||
    !Array.isArray(whole.ops) ||
    !Array.isArray(whole.vms) ||
    !whole.ops.every(isOp) ||
    !whole.vms.every(isSpec)
  )
    throw corrupt(file);
  const ops = new Map(whole.ops.map((op) => [op.opId, op]));
  const vms = new Map(whole.vms.map((spec) => [spec.vmId, spec]));
  for (const line of rest) {
    const change = parseLine(line, file) as Partial<Record<'op' | 'vm' | 'gone', unknown>> | null;
    if (change !== null && typeof change === 'object' && isOp(change.op as Partial<LedgerOp & { opId: string }>)) {
      const op = change.op as LedgerOp & { opId: string };
      if (!ops.has(op.opId)) ops.set(op.opId, op);
    } else if (change !== null && typeof change === 'object' && isSpec(change.vm)) {
      const spec = change.vm as VmSpec;
      vms.set(spec.vmId, spec);
    } else if (change !== null && typeof change === 'object' && typeof change.gone === 'number') {
      vms.delete(change.gone);
    } else {
      throw corrupt(file);
    }
  }
  return { version: 1, ops: [...ops.values()], vms: [...vms.values()] };
}

function parseLine(line: string, file: string): unknown {
  try {
    return JSON.parse(line);
  } catch (cause) {
    throw corrupt(file, cause);
  }
}

function isSpec(s: unknown): boolean {
  return typeof s === 'object' && s !== null && typeof (s as { vmId?: unknown }).vmId === 'number';
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
