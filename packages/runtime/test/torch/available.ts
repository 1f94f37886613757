/**
 * Whether the PyTorch target can run here. In CI (CI=true, where .ci/run installs python3-torch) a
 * missing PyTorch is a failure; elsewhere its tests say why and are skipped.
 */
import { configuredPython, torchVersion } from '../../src/torch/python.js';

export function torchOrWhyNot(): { ok: true; python: string; version: string } | { ok: false; why: string } {
    const python = configuredPython();
    const found = torchVersion(python);
    if (found.ok) return { ok: true, python, version: found.version };
    if (process.env['CI'] === 'true') throw new Error(`CI must run the PyTorch tests: ${found.why} (.ci/run installs python3-torch)`);
    return found;
}
