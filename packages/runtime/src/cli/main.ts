import { MAX_WASM_THREADS, THREADS_ENV } from '../backend/wasm-threads.js';
import { check, CHECK } from './check.js';
import { doctor, DOCTOR } from './doctor.js';
import { elbo, ELBO } from './elbo.js';
import { evaluate, EVAL } from './eval.js';
import { exportCommand, EXPORT } from './export.js';
import { commandHelp, HelpRequested, UsageError, usageLine, type CommandSpec } from './flags.js';
import { sample, SAMPLE } from './sample.js';
import { train, TRAIN } from './train.js';
import { gmVersion } from './version.js';

interface Command {
    spec: CommandSpec;
    run(args: string[]): Promise<number>;
}

/** Every command, in the order `gm help` lists them. */
const COMMANDS: Command[] = [
    { spec: CHECK, run: check },
    { spec: ELBO, run: elbo },
    { spec: TRAIN, run: train },
    { spec: EVAL, run: evaluate },
    { spec: SAMPLE, run: sample },
    { spec: EXPORT, run: exportCommand },
    { spec: DOCTOR, run: doctor },
];

function overview(): string {
    const rows = COMMANDS.map(c => [usageLine(c.spec).replace(/^gm /, '').replace(' [options]', ''), c.spec.summary] as const);
    const width = Math.max(...rows.map(([left]) => left.length)) + 2;
    return [
        'usage: gm COMMAND [options]',
        '',
        'commands:',
        ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
        `  ${'help [COMMAND]'.padEnd(width)}this overview and every command's flags, or one command's`,
        `  ${'--version'.padEnd(width)}the version of gm`,
        '',
        "'gm COMMAND --help' lists the command's flags with their defaults.",
        '',
        'environment:',
        `  ${THREADS_ENV}=N    threads of the wasm backend, 1 to ${MAX_WASM_THREADS} (default: every core other work leaves free; 1 turns threads off)`,
        '  GM_PYTHON=PATH       the Python of --backend torch (default: /usr/bin/python3, else python3)',
        '',
    ].join('\n');
}

/** `gm help`: the overview, then every command's help; `gm help COMMAND`: that command's. */
function help(args: string[]): number {
    if (args.length === 0) {
        console.log([overview(), ...COMMANDS.map(c => commandHelp(c.spec))].join('\n'));
        return 0;
    }
    const command = COMMANDS.find(c => c.spec.name === args[0]);
    if (!command || args.length > 1) {
        console.error(`gm help: ${command ? 'takes one COMMAND' : `unknown command '${args[0]}'`}\n\n${overview()}`);
        return 2;
    }
    console.log(commandHelp(command.spec));
    return 0;
}

async function main(argv: string[]): Promise<number> {
    const [name, ...args] = argv;
    if (name === undefined) {
        console.error(overview());
        return 2;
    }
    if (name === '--version' || name === 'version') {
        console.log(`gm ${gmVersion()}`);
        return 0;
    }
    if (name === 'help' || name === '--help' || name === '-h') return help(args);
    const command = COMMANDS.find(c => c.spec.name === name);
    if (!command) {
        console.error(`gm: unknown command '${name}'\n\n${overview()}`);
        return 2;
    }
    try {
        return await command.run(args);
    } catch (error) {
        if (error instanceof HelpRequested) {
            console.log(commandHelp(command.spec));
            return 0;
        }
        if (error instanceof UsageError) {
            console.error(`gm ${name}: ${error.message}\n\n${commandHelp(command.spec)}`);
            return 2;
        }
        console.error(`gm ${name}: ${error instanceof Error ? error.message : String(error)}`);
        return 1;
    }
}

process.exitCode = await main(process.argv.slice(2));
