// What probing Dawn in a child process costs `--backend auto` (webgpu-probe.ts): the time of one probe
// per Dawn candidate, median of N. A candidate that finds nothing costs the child's start; one that
// finds an adapter also initializes the driver.
// Usage: npm run build && node bench/webgpu-probe.mjs [--runs 5]
// (With LD_LIBRARY_PATH=DIR where DIR/libvulkan.so.1 exists, the Vulkan candidate is tried as auto tries it.)
import { parseArgs } from 'node:util';
import { DAWN_DEFAULT, DAWN_OPENGLES } from '../packages/runtime/out/backend/select-backend.js';
import { adapterLabel, dawnModule, probeDawn } from '../packages/runtime/out/backend/webgpu-probe.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const dawn = dawnModule();
if (!dawn) throw new Error('the optional package `webgpu` is not installed');
for (const candidate of [DAWN_DEFAULT, DAWN_OPENGLES]) {
    const times = [];
    let found = '';
    for (let i = 0; i < Number(values.runs); i++) {
        const start = performance.now();
        const { results } = await probeDawn(dawn, [candidate]);
        times.push(performance.now() - start);
        found = results[0].adapter ? adapterLabel(results[0].adapter) : `none (${results[0].error ?? 'no adapter'})`;
    }
    times.sort((a, b) => a - b);
    console.log(`${candidate.name}: median ${times[times.length >> 1].toFixed(0)} ms over ${times.length} probes; adapter: ${found}`);
}
