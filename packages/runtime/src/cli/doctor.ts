import * as os from 'node:os';
import { surveyBackends, type BackendSurvey } from '../backend/index.js';
import { locateDatasets, type DatasetLocation } from '../data/index.js';
import { surveyTorch, type TorchSurvey } from '../torch/python.js';
import { VERBOSE_FLAG } from './common-flags.js';
import { parseCommandLine, type CommandSpec } from './flags.js';
import { gmVersion } from './version.js';

export const DOCTOR = {
    name: 'doctor',
    summary: 'what this machine offers: Node, the backends that load and why the others do not, GPU adapters, data',
    positionals: { name: 'ARG', min: 0, max: 0 },
    flags: {
        json: { type: 'boolean', help: 'print one JSON object instead of text' },
        verbose: VERBOSE_FLAG,
    },
} as const satisfies CommandSpec;

interface Report {
    gm: string;
    node: { version: string; path: string; ok: boolean };
    platform: string;
    backends: BackendSurvey['backends'];
    auto: string;
    adapters: BackendSurvey['adapters'];
    data: DatasetLocation[];
    torch: TorchSurvey;
}

/**
 * The report's sections, in order: each turns the report into lines. A target with its own
 * requirements (Python and PyTorch for the torch target) adds its fields to Report and a section here.
 */
const SECTIONS: ((r: Report) => string[])[] = [
    r => [`gm ${r.gm}`, `Node ${r.node.version} (${r.node.path})${r.node.ok ? '' : ': gm needs Node 22 or newer'}`, `platform: ${r.platform}`],
    r => ['backends (--backend):', ...r.backends.map(b => `  ${b.backend.padEnd(14)} ${b.loads ? 'loads' : 'no   '}  ${b.detail}`), `  ${'auto'.padEnd(14)} takes ${r.auto}`],
    r => [
        'GPU adapters (WebGPU through Dawn):',
        ...(r.adapters.length === 0
            ? ['  none: Dawn is not installed']
            : r.adapters.map(a => `  ${a.via.padEnd(20)} ${a.adapter ? `${a.adapter}${a.software ? ' (software renderer)' : ''}` : `none: ${a.why}`}`)),
    ],
    r => [
        'data (images("NAME") in a model):',
        ...r.data.map(d => `  ${d.name.padEnd(14)} ${d.found ? 'found' : 'no   '}  ${d.where}: ${d.note}`),
        '  (a path)       any IDX file or folder: images("path/to/dir-or-file")',
    ],
    r => [
        'PyTorch (--backend torch, gm export --target torch; GM_PYTHON chooses the Python):',
        r.torch.ok
            ? `  ${r.torch.python}: torch ${r.torch.version}; CUDA devices: ${r.torch.cuda!.length ? r.torch.cuda!.join(', ') : 'none (runs on the CPU)'}`
            : `  ${r.torch.python}: ${r.torch.why} (Debian: apt-get install python3-torch)`,
    ],
];

/** `gm doctor`: what this machine offers. */
export async function doctor(args: string[]): Promise<number> {
    const { values } = parseCommandLine(DOCTOR, args);
    const survey = await surveyBackends();
    if (values.verbose && survey.probeOutput.trim()) process.stderr.write(`probing WebGPU (Dawn) printed:\n${survey.probeOutput.trimEnd()}\n`);
    const [major] = process.versions.node.split('.').map(Number);
    const report: Report = {
        gm: gmVersion(),
        node: { version: process.version, path: process.execPath, ok: (major ?? 0) >= 22 },
        platform: `${process.platform} ${process.arch}, ${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GiB memory`,
        backends: survey.backends,
        auto: survey.auto,
        adapters: survey.adapters,
        data: locateDatasets(),
        torch: surveyTorch(),
    };
    console.log(values.json ? JSON.stringify(report, null, 2) : SECTIONS.map(section => section(report).join('\n')).join('\n\n'));
    return 0;
}
