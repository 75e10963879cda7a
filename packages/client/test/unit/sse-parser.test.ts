import { describe, expect, it } from 'vitest';
import { SseParser } from '../../src/sse-parser.ts';

/** text/event-stream, fed in whatever chunks the network hands over. */
describe('SseParser', () => {
  it('gives whole events with their name, id and data, skipping comments', () => {
    const parser = new SseParser();
    const events = parser.push(': keep-alive\n\nid: 7\ndata: {"seq":7}\n\nevent: presence\ndata: {}\n\n');
    expect(events).toEqual([
      { event: 'message', data: '{"seq":7}', id: '7' },
      { event: 'presence', data: '{}', id: '7' }, // the last id stays until another is named
    ]);
  });

  it('joins an event split anywhere across chunks, CRLF included', () => {
    const text = 'id: 1\r\ndata: first\r\ndata: line\r\n\r\nid: 2\r\nevent: named\r\ndata: second\r\n\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
      expect(
        events.map((e) => [e.id, e.event, e.data]),
        `cut at ${cut}`,
      ).toEqual([
        ['1', 'message', 'first\nline'],
        ['2', 'named', 'second'],
      ]);
    }
  });

  it('joins data lines with newlines, keeps a value’s colons, and gives nothing for an event without data', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\ndata:b: c\n\nevent: empty\n\n')).toEqual([{ event: 'message', data: 'a\nb: c', id: undefined }]);
  });

  it('holds back an event until its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('data: x\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'message', data: 'x', id: undefined }]);
  });
});
