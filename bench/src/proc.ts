import { readFileSync } from 'node:fs';

/** Reads a field of /proc/self/status in bytes (`VmHWM` = peak RSS, `VmRSS` = current), or NaN off Linux. */
export function procStatus(field: 'VmHWM' | 'VmRSS', pid: number | 'self' = 'self'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
