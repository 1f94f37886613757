import { loadFiles } from '@gm/language';
import { deriveFromLowering, renderFailure, renderLatex, renderMarkdown, renderStepsText, renderText, toJson } from '@gm/language/derivation';
import { parseCommandLine, type CommandSpec } from './flags.js';

export const ELBO = {
    name: 'elbo',
    summary: 'the derived variational bound of each model',
    positionals: { name: 'FILE', min: 1, max: 1, files: true },
    flags: {
        model: { type: 'string', value: 'NAME', help: 'only this model', defaultText: 'every model in FILE' },
        format: { type: 'choice', choices: ['text', 'markdown', 'latex', 'json'], default: 'text', help: 'how the bound is written' },
        steps: { type: 'boolean', help: 'also print the derivation step by step (text)' },
    },
} as const satisfies CommandSpec;

/** `gm elbo FILE [options]` (ELBO): the derived bound of each model. */
export async function elbo(args: string[]): Promise<number> {
    const { values, positionals } = parseCommandLine(ELBO, args);
    const format = values.format;
    const [loaded] = await loadFiles(positionals);
    const errors = loaded!.diagnostics.filter(d => d.severity === 1);
    if (errors.length > 0) {
        throw new Error(`${positionals[0]} has ${errors.length} error${errors.length === 1 ? '' : 's'}; run 'gm check ${positionals[0]}' to see them`);
    }
    const models = loaded!.models.filter(m => !values.model || m.model.name === values.model);
    if (models.length === 0) throw new Error(values.model ? `no model named '${values.model}' in ${positionals[0]}` : `${positionals[0]} declares no model`);
    const results = models.map(deriveFromLowering);
    if (format === 'json') {
        console.log(JSON.stringify({ file: positionals[0], models: results.map(toJson) }, null, 2));
        return results.every(r => r.ok) ? 0 : 1;
    }
    const out: string[] = [];
    for (const result of results) {
        if (!result.ok) {
            out.push(renderFailure(result));
            continue;
        }
        const d = result.derivation;
        if (format === 'latex') out.push(renderLatex(d));
        else if (format === 'markdown') out.push(renderMarkdown(d));
        else out.push(renderText(d) + (values.steps ? '\n' + renderStepsText(d) : ''));
    }
    process.stdout.write(out.join('\n'));
    return results.every(r => r.ok) ? 0 : 1;
}
