/** The Python that runs the PyTorch target: `GM_PYTHON`, else Debian's /usr/bin/python3 (where python3-torch installs), else `python3`. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function configuredPython(env: NodeJS.ProcessEnv = process.env): string {
    if (env['GM_PYTHON']) return env['GM_PYTHON'];
    return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** PyTorch's version in `python`, or why it cannot be imported there. */
export function torchVersion(python: string): { ok: true; version: string } | { ok: false; why: string } {
    const r = spawnSync(python, ['-c', 'import numpy, torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.error) return { ok: false, why: `cannot run ${python} (${r.error.message})` };
    if (r.status !== 0) return { ok: false, why: `${python} cannot import PyTorch and NumPy: ${(r.stderr.trim().split('\n').pop() ?? '').trim()}` };
    return { ok: true, version: r.stdout.trim() };
}

/** What `gm doctor` says of the PyTorch target: the Python it would run, PyTorch's version and the CUDA devices it sees. */
export interface TorchSurvey {
    python: string;
    ok: boolean;
    version?: string;
    cuda?: string[];
    why?: string;
}

export function surveyTorch(python = configuredPython()): TorchSurvey {
    const script =
        'import json, numpy, torch; print(json.dumps({"version": torch.__version__, "cuda": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]}))';
    const r = spawnSync(python, ['-c', script], { encoding: 'utf8' });
    if (r.error) return { python, ok: false, why: `cannot run ${python} (${r.error.message})` };
    if (r.status !== 0) return { python, ok: false, why: `cannot import PyTorch and NumPy: ${(r.stderr.trim().split('\n').pop() ?? '').trim()}` };
    const found = JSON.parse(r.stdout.trim().split('\n').pop()!) as { version: string; cuda: string[] };
    return { python, ok: true, version: found.version, cuda: found.cuda };
}
