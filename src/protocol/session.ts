/**
 * The reliable stream both ways, towards one peer incarnation: the outbox
 * (what this end sent and the peer has not acknowledged) and how far this
 * end got in the peer's stream (recvSeq). It survives reconnects; a new
 * peer incarnation starts both counts over.
 */
import { NepheleError } from '../errors.js';
import { Outbox } from './outbox.js';

export class Session<M> {
  readonly outbox = new Outbox<M>();
  private _recvSeq = 0;
  private _peerIncarnation: string | undefined;

  /** The highest contiguous seq delivered from the peer. */
  get recvSeq(): number {
    return this._recvSeq;
  }

  get peerIncarnation(): string | undefined {
    return this._peerIncarnation;
  }

  /**
   * Takes the peer's handshake. The peer seen last time: what it received is
   * acknowledged and the rest waits for a resend ('resumed'). A new peer (or
   * a restarted one): its stream starts at 1, and so does the outbox
   * ('restarted'). An error when the peer claims what this end cannot serve.
   */
  resume(peerIncarnation: string, peerRecvSeq: number): 'resumed' | 'restarted' | NepheleError {
    const { outbox } = this;
    if (peerIncarnation === this._peerIncarnation) {
      if (peerRecvSeq > outbox.lastSeq || peerRecvSeq < outbox.firstSeq - 1) {
        return new NepheleError('BAD_FRAME', `the peer's recvSeq ${peerRecvSeq} is not one this link can resume from`, {
          details: { field: 'recvSeq', got: peerRecvSeq, firstSeq: outbox.firstSeq, lastSeq: outbox.lastSeq },
        });
      }
      outbox.ackUpTo(peerRecvSeq);
      return 'resumed';
    }
    this._peerIncarnation = peerIncarnation;
    this._recvSeq = 0;
    outbox.renumber();
    return 'restarted';
  }

  /** An inbound seq: the next one is delivered, an old one is a duplicate, a gap is an error. */
  accept(seq: number): 'deliver' | 'duplicate' | NepheleError {
    if (seq <= this._recvSeq) return 'duplicate';
    if (seq !== this._recvSeq + 1) {
      return new NepheleError('BAD_FRAME', `cmd seq ${seq} skips past ${this._recvSeq + 1}`, {
        details: { field: 'cmd.seq', expected: this._recvSeq + 1, got: seq },
      });
    }
    this._recvSeq = seq;
    return 'deliver';
  }

  /** A cumulative ack from the peer. */
  ack(seq: number): NepheleError | undefined {
    if (seq > this.outbox.lastSeq) {
      return new NepheleError('BAD_FRAME', `ack ${seq} of a seq never sent`, {
        details: { field: 'ack.seq', lastSeq: this.outbox.lastSeq, got: seq },
      });
    }
    this.outbox.ackUpTo(seq);
    return undefined;
  }
}
