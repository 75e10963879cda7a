// A process's CPU, I/O and memory from /proc (Linux), for the load generators' --server-pid.
// Each reads 0 when the process is gone or /proc is not there.
import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) of a process so far, from /proc/<pid>/stat (clock ticks of 1/100 s). */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Write syscalls (write, writev: one per frame or batch sent) and bytes written, from /proc/<pid>/io. */
export function ioOf(pid: number): { syscw: number; wchar: number; syscr: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`${name}: (\\d+)`).exec(io)?.[1] ?? 0);
    return { syscw: field('syscw'), wchar: field('wchar'), syscr: field('syscr') };
  } catch {
    return { syscw: 0, wchar: 0, syscr: 0 };
  }
}

/** Resident memory in bytes, from /proc/<pid>/status. */
export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}
