import { describe, expect, it } from 'vitest';
import { ChangeBatch, ChangeGate } from '../../src/fanout/change-batch.ts';

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

  it("a snapshot of one collection drops that collection's covered events only: the others are still owed", () => {
    const of = (seq: number, collection: string) => ({ ...event(seq), collection });
    const gate = new ChangeGate({ sentSeq: 3 });
    gate.hold();
    for (const e of [of(4, 'staff'), of(5, 'shift'), of(6, 'staff'), of(7, 'shift'), of(8, 'shift')]) gate.admit(e);
    const held = gate.release(7, 'shift'); // the cells of a period, as of seq 7
    expect(held.map((e) => [e.seq, gate.admit(e)])).toEqual([
      [4, 'send'],
      [5, 'skip'],
      [6, 'send'],
      [7, 'skip'],
      [8, 'send'],
    ]);
    expect(gate.sentSeq).toBe(8);
    expect(gate.admit(of(9, 'staff'))).toBe('send');
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
