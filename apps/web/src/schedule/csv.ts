import type { StaffMember } from '@staff-sync/protocol';
import type { CellMap } from '@staff-sync/react';

/** One field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
function field(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The period as CSV for Excel: a byte order mark (so Excel reads UTF-8), a header row (the name
 * column's title, then the dates), one row per member with what each cell shows, CRLF line ends.
 */
export function scheduleCsv(options: {
  nameHeader: string;
  dates: readonly string[];
  members: readonly StaffMember[];
  cells: CellMap | undefined;
  show: (value: string | null) => string;
}): string {
  const lines = [[options.nameHeader, ...options.dates].map(field).join(',')];
  for (const member of options.members) {
    const cells = options.cells?.get(member.id);
    const values = options.dates.map((date) => options.show(cells?.get(date)?.value ?? null));
    lines.push([member.name, ...values].map(field).join(','));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** Hand `text` to the browser as a download named `fileName`. */
export function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
