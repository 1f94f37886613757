/** The model's networks as Python: one constructor call each, with the arguments the declaration gives. */
import type { NetworkIR } from '@gm/language';
import type { Program } from '../compile/program.js';
import { pyNumber, pyString } from './python-program.js';

function call(ir: NetworkIR, inputShape: number[]): string {
    if (ir.architecture === 'MLP') {
        const time = ir.timeEmbedding !== undefined ? `, time_embedding=${ir.timeEmbedding}` : '';
        return `MLP(${pyString(ir.name)}, seed, layers=[${ir.layers.join(', ')}], activation=${pyString(ir.activation)}${time})`;
    }
    const size = inputShape.length === 3 ? `(${inputShape[1]}, ${inputShape[2]})` : 'None';
    return (
        `UNet(${pyString(ir.name)}, seed, in_channels=${ir.inChannels}, out_channels=${ir.outChannels}, channels=${ir.channels}, ` +
        `mults=[${ir.mults.join(', ')}], time_embedding=${ir.timeEmbedding}, attention=[${ir.attention.join(', ')}], blocks=${ir.blocks}, ` +
        `dropout=${pyNumber(ir.dropout)}, image_size=${size})`
    );
}

/** `networks.py`: `build(seed)`, the networks the training program calls, with gm's initial weights for `seed`. */
export function networksModule(model: string, networks: NetworkIR[], program: Program): string {
    const used = program.networks.map(n => ({ ir: networks.find(x => x.name === n.name)!, shape: n.inputShape }));
    const lines = used.map(({ ir, shape }) => {
        const doc = ir.doc ? `        # ${ir.doc.replace(/\s+/g, ' ')}\n` : '';
        return `${doc}        ${pyString(ir.name)}: ${call(ir, shape)},`;
    });
    return [
        `"""The networks of model ${model}, as declared. Parameter names and initial values are gm's: \`decoder/dense0/kernel\`
is \`decoder.dense0.weight\` (transposed), drawn from the same seeded stream as the TensorFlow.js target's."""`,
        'from torch import nn',
        '',
        'from gm_torch.nets import MLP, UNet  # noqa: F401',
        '',
        '',
        'def build(seed):',
        '    """The networks by name, initialized for `seed` (the train block\'s seed)."""',
        '    return nn.ModuleDict({',
        ...lines,
        '    })',
        '',
    ].join('\n');
}
