import { check, UsageError } from './check.js';
import { elbo } from './elbo.js';
import { train } from './train.js';
import { sample } from './sample.js';
import { evaluate } from './eval.js';
import { exportCommand } from './export.js';

const USAGE = `usage: gm <command> [options]

commands:
  check FILE…                  parse, link and validate models; print file:line:col: severity: message
  elbo FILE [--model NAME] [--format text|markdown|latex|json]
                               the derived variational bound of each model
  train FILE [options]         train a model on its dataset
  eval FILE [--checkpoint DIR] [--iw K] [--limit N] [--decoder discretized|continuous] [--json]
                               the test-set bound term by term, bits/dim, an importance-sampled log p(x);
                               for chains every t, and L_0 with Ho et al.'s discretized decoder
  sample FILE [--checkpoint DIR] [--n 64] [--out grid.png] [--sampler ancestral|ddim] [--steps N] [--eta E]
              [--trajectory strip.png] [--reconstructions recon.png] [--latent-grid grid.png]
                               a PNG grid of samples from a trained model
  export FILE --target torch [--out DIR] [--model NAME]
                               a standalone PyTorch package generated from the model's programs
`;

type Command = (args: string[]) => Promise<number>;

/** Commands by name; the training commands are added by the runtime as they exist. */
export const commands: Record<string, Command> = {
    check: args => check(args),
    elbo: args => elbo(args),
    train: args => train(args),
    eval: args => evaluate(args),
    sample: args => sample(args),
    export: args => exportCommand(args),
};

async function main(argv: string[]): Promise<number> {
    const [name, ...args] = argv;
    if (!name || name === '--help' || name === '-h' || name === 'help') {
        console.log(USAGE);
        return name ? 0 : 2;
    }
    const command = commands[name];
    if (!command) {
        console.error(`gm: unknown command '${name}'\n\n${USAGE}`);
        return 2;
    }
    try {
        return await command(args);
    } catch (error) {
        if (error instanceof UsageError) {
            console.error(`gm ${name}: ${error.message}\n\n${USAGE}`);
            return 2;
        }
        console.error(`gm ${name}: ${error instanceof Error ? error.message : String(error)}`);
        return 1;
    }
}

process.exitCode = await main(process.argv.slice(2));
