/**
 * A transition taken, as the VM's next record: the table's bookkeeping
 * effects (history stays, the scheduler's flag, leases) folded in, and the
 * one operation it starts as `pending` with its opId and deadline. Pure:
 * the VM actor stores what this returns, then sends the operation.
 */
import { OPERATIONS, isOperation, type OpKind, type Operation, type Transition } from './vm-lifecycle.js';
import type { HistoryRecord, PendingOp, VmRecord } from './vm-record.js';

function closeStays(
  history: HistoryRecord[],
  which: 'current' | 'previous' | 'all',
  reason: HistoryRecord['reason'],
  now: number,
): HistoryRecord[] {
  const open = history.filter((h) => h.etime === undefined);
  const closing = new Set(which === 'all' ? open : which === 'current' ? open.slice(-1) : open.slice(0, -1));
  return history.map((h) => (closing.has(h) ? { ...h, etime: now, reason } : h));
}

/**
 * The record after a transition, with the operation it starts (if any) as
 * `pending`, and the stays open when that operation came up (a cleanup is
 * listed before the close_history that ends them).
 */
export function step(
  before: VmRecord,
  t: Transition,
  error: string | undefined,
  now: number,
  deadlineMs: (kind: OpKind) => number,
): { next: VmRecord; stays: HistoryRecord[]; release: boolean } {
  let history = [...before.history];
  let scheduled = before.scheduled;
  let op: Operation | undefined;
  let stays: HistoryRecord[] = [];
  let release = false;
  for (const e of t.effects) {
    switch (e.kind) {
      case 'schedule':
        scheduled = true;
        break;
      case 'unschedule':
        scheduled = false;
        break;
      case 'release_leases':
        release = true;
        break;
      case 'open_history':
        history.push({ seq: history.length, hostId: e.hostId, stime: now, etime: undefined, reason: undefined });
        break;
      case 'close_history':
        history = closeStays(history, e.which, e.reason, now);
        break;
      default:
        if (!isOperation(e)) throw new TypeError(`not an effect: ${JSON.stringify(e)}`);
        if (op !== undefined) throw new TypeError(`a transition starts two operations: ${op.kind}, ${e.kind}`);
        op = e;
        stays = history.filter((h) => h.etime === undefined);
    }
  }
  if (t.next === 'RUNNING' && before.state !== 'RUNNING') {
    const current = history.findLastIndex((h) => h.etime === undefined);
    const stay = history[current];
    if (stay !== undefined && stay.rstime === undefined) history[current] = { ...stay, rstime: now };
  }
  const opSeq = op === undefined ? before.opSeq : before.opSeq + 1;
  const pending: PendingOp | undefined =
    op === undefined
      ? undefined
      : {
          opId: `${before.id}.${opSeq}`,
          effect: op,
          hostId: OPERATIONS[op.kind].runsOn === 'source' ? stays[0]?.hostId : stays[stays.length - 1]?.hostId,
          deadline: now + deadlineMs(op.kind),
        };
  const next: VmRecord = {
    ...before,
    state: t.next,
    history,
    scheduled,
    opSeq,
    pending,
    etime: t.next === 'DONE' ? now : before.etime,
    lastError: error ?? (op === undefined ? before.lastError : undefined),
  };
  return { next, stays, release };
}
