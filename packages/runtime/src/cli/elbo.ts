import { loadFiles } from '@gm/language';
import { deriveFromLowering, renderFailure, renderLatex, renderMarkdown, renderStepsText, renderText, toJson } from '@gm/language/derivation';
import { parseArgs } from 'node:util';
import { UsageError } from './check.js';

const FORMATS = ['text', 'markdown', 'latex', 'json'] as const;

/** `gm elbo FILE [--model NAME] [--format text|markdown|latex|json] [--steps]`: the derived bound of each model. */
export async function elbo(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { model: { type: 'string' }, format: { type: 'string', default: 'text' }, steps: { type: 'boolean', default: false } },
    });
    const format = values.format as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) throw new UsageError(`--format is one of ${FORMATS.join(', ')}`);
    if (positionals.length !== 1) throw new UsageError('gm elbo needs one .gm file');
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
