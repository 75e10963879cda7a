import { describe, expect, it } from 'vitest';
import { ChangeBatch, ChangeGate } from '../src/fanout/change-batch.ts';

const event = (seq: number) => ({ seq, text: `{"seq":${seq}}`, bytes: 10 });

describe('ChangeGate: change events around a snapshot answered at seq S', () => {
  it('before any snapshot, every event goes out', () => {
    const gate = new ChangeGate();
    expect([5, 6, 9].map((s) => gate.admit(event(s)))).toEqual(['send', 'send', 'send']);
    expect(gate.sentSeq).toBe(9);
  });

  it('holds events while the snapshot is answered, then releases those after S in order, dropping the covered ones', () => {
    const gate = new ChangeGate();
    gate.hold();
    expect([7, 8, 9, 10].map((s) => gate.admit(event(s)))).toEqual(['held', 'held', 'held', 'held']);
    expect(gate.heldBytes).toBe(40);
    const held = gate.release(8); // the snapshot covers up to 8
    expect(gate.heldBytes).toBe(0);
    expect(held.map((e) => gate.admit(e))).toEqual(['skip', 'skip', 'send', 'send']);
    expect(gate.sentSeq).toBe(10);
    expect(gate.admit(event(10))).toBe('skip'); // never twice
    expect(gate.admit(event(11))).toBe('send');
  });

  it('a failed snapshot (no seq) releases everything held', () => {
    const gate = new ChangeGate({ sentSeq: 3, holding: true });
    gate.admit(event(4));
    gate.admit(event(5));
    expect(gate.release(undefined).map((e) => gate.admit(e))).toEqual(['send', 'send']);
  });

  it('a catch-up that ends behind what was already sent keeps the higher seq', () => {
    const gate = new ChangeGate({ sentSeq: 12 });
    gate.hold();
    gate.release(10);
    expect(gate.sentSeq).toBe(12);
    expect(gate.admit(event(12))).toBe('skip');
  });

  it('takes a whole pass only when nothing is held and none of it was sent', () => {
    const batch = (...seqs: number[]) => new ChangeBatch(seqs.map(event));
    const gate = new ChangeGate({ sentSeq: 4 });
    expect(gate.admitBatch(batch(5, 6))).toBe(true);
    expect(gate.sentSeq).toBe(6);
    expect(gate.admitBatch(batch(6, 7))).toBe(false); // overlaps what went out: one by one
    expect(gate.sentSeq).toBe(6);
    gate.hold();
    expect(gate.admitBatch(batch(8))).toBe(false);
    expect(gate.sentSeq).toBe(6);
  });
});
