import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * When process `pid` started, as the operating system records it: field 22 of /proc/PID/stat
 * (clock ticks after boot) on Linux, else `ps -o lstart=`. A pid that was recycled by another
 * process has another start time, so (pid, start time) names one process. Undefined when the
 * process is gone or the system cannot say.
 */
export function processStartTime(pid: number): string | undefined {
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return fields[19] ? `proc:${fields[19]}` : undefined;
    } catch (error) {
        if (process.platform === 'linux') return undefined;
        void error;
    }
    try {
        const started = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000 }).trim();
        return started ? `ps:${started}` : undefined;
    } catch {
        return undefined;
    }
}
