/**
 * The rank of every value of a program (batch axis included; 0 for a scalar), known before it runs:
 * the PyTorch target writes a broadcast only where two ranks differ, as the TensorFlow.js executor's
 * `expandTo` does at run time.
 */
import type { NetworkIR } from '@gm/language';
import { operands, type Program } from '../compile/program.js';

/** The rank of a network's output for arguments of rank `input` (as `nets/mlp.ts` and `nets/unet.ts` shape it). */
function networkRank(ir: NetworkIR | undefined, input: number): number {
    if (!ir) throw new Error('a program calls a network the model does not declare');
    if (ir.architecture === 'UNet') return 4;
    const sizes = ir.layers;
    return input > 2 && sizes[sizes.length - 1] === sizes[0] ? input : 2;
}

export function valueRanks(program: Program, networks: NetworkIR[]): number[] {
    const ranks: number[] = [];
    const inputs = new Map(program.inputs.map(i => [i.variable, i.shape.length + 1]));
    for (const i of program.instructions) {
        switch (i.op) {
            case 'data':
                ranks.push(inputs.get(i.variable) ?? 1);
                break;
            case 'constant':
                ranks.push(0);
                break;
            case 'timestep':
            case 'timestep-probability':
            case 'sum-enumerated':
            case 'gather':
            case 'reduce':
            case 'combine-replicas':
            case 'discretized-normal':
                ranks.push(1);
                break;
            case 'enumerate':
                ranks.push(i.shape.length + 1);
                break;
            case 'concat':
                ranks.push(2);
                break;
            case 'normal-noise':
            case 'uniform-noise':
            case 'gamma-noise':
                ranks.push(i.shape.length + 1);
                break;
            case 'network': {
                const first = ranks[i.args[0]!] || 1;
                ranks.push(
                    networkRank(
                        networks.find(n => n.name === i.network),
                        first,
                    ),
                );
                break;
            }
            case 'unary':
            case 'log-softmax':
            case 'one-hot-max':
            case 'stop-gradient':
            case 'slice':
                ranks.push(ranks[i.x]!);
                break;
            case 'binary':
                ranks.push(Math.max(ranks[i.a]!, ranks[i.b]!));
                break;
            case 'select':
                ranks.push(Math.max(ranks[i.cond]!, ranks[i.a]!, ranks[i.b]!));
                break;
            default:
                throw new Error(`the PyTorch target does not know the instruction ${(i as { op: string }).op} (${program.model})`);
        }
    }
    return ranks;
}

/**
 * How many blocks of rows each value has: E for a value that depends on enumerated latents (E·N rows, see the
 * `enumerate` instruction), 1 for one of N rows; `sum-enumerated` brings E·N back to N. Where two operands differ,
 * the one of N rows is repeated E times, as the TensorFlow.js executor's `alignRows` does at run time.
 */
export function valueBlocks(program: Program): number[] {
    const blocks: number[] = [];
    for (const i of program.instructions) {
        if (i.op === 'enumerate') blocks.push(i.combinations);
        else if (i.op === 'sum-enumerated' || i.op === 'combine-replicas') blocks.push(1);
        else blocks.push(Math.max(1, ...operands(i).map(k => blocks[k]!)));
    }
    return blocks;
}
