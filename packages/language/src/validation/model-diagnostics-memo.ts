/**
 * The diagnostics of one model depend only on its own text, on where it starts (their ranges are
 * absolute) and on whether the document parsed: names resolve inside the model and gm's library,
 * and no check reads the file system. A one-character edit in a file of many models leaves the
 * others' text and start unchanged, so their diagnostics are replayed instead of recomputed
 * (bench/lsp-latency.mjs measures the edit of a 5 000-line file).
 */
import { AstUtils, GrammarUtils, type AstNode, type DiagnosticInfo, type ValidationAcceptor, type ValidationSeverity } from 'langium';
import type { Model } from '../generated/ast.js';
import type { SourceRange } from '../ir/types.js';

interface RecordedDiagnostic {
    severity: ValidationSeverity;
    message: string;
    range: SourceRange;
    code?: string | number;
    data?: unknown;
}

export class ModelDiagnosticsMemo {
    /** Least recently used first (a Map keeps insertion order). */
    private readonly entries = new Map<string, RecordedDiagnostic[]>();
    /** How many models were replayed rather than checked (for tests and benchmarks). */
    replayed = 0;

    constructor(private readonly capacity = 2000) {}

    /**
     * Runs `check` on the model with an acceptor that records what it reports, or replays what an
     * identical model at the same place reported before.
     */
    run(model: Model, accept: ValidationAcceptor, check: (accept: ValidationAcceptor) => void): void {
        const key = keyOf(model);
        const cached = key === undefined ? undefined : this.entries.get(key);
        if (key !== undefined && cached) {
            this.entries.delete(key);
            this.entries.set(key, cached);
            this.replayed++;
            for (const d of cached) {
                accept(d.severity, d.message, {
                    node: model,
                    range: d.range,
                    ...(d.code !== undefined ? { code: d.code } : {}),
                    ...(d.data !== undefined ? { data: d.data } : {}),
                });
            }
            return;
        }
        const recorded: RecordedDiagnostic[] = [];
        check((severity, message, info) => {
            const range = rangeOf(info);
            if (range)
                recorded.push({ severity, message, range, ...(info.code !== undefined ? { code: info.code } : {}), ...(info.data !== undefined ? { data: info.data } : {}) });
            accept(severity, message, info);
        });
        if (key === undefined) return;
        this.entries.set(key, recorded);
        if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    }
}

function keyOf(model: Model): string | undefined {
    const cst = model.$cstNode;
    if (!cst) return undefined;
    const document = AstUtils.getDocument(model);
    const { parserErrors, lexerErrors } = document.parseResult;
    const parsed = parserErrors.length === 0 && lexerErrors.length === 0;
    return `${document.uri.toString()}\u0000${cst.range.start.line}:${cst.range.start.character}\u0000${parsed}\u0000${cst.text}`;
}

/** The range Langium would show for a diagnostic: the given range, else the property's, keyword's or node's. */
function rangeOf(info: DiagnosticInfo<AstNode>): SourceRange | undefined {
    if (info.range) return info.range;
    const cst = info.node.$cstNode;
    if (!cst) return undefined;
    if (info.property !== undefined) return GrammarUtils.findNodeForProperty(cst, info.property, info.index)?.range ?? cst.range;
    if (info.keyword !== undefined) return GrammarUtils.findNodeForKeyword(cst, info.keyword, info.index)?.range ?? cst.range;
    return cst.range;
}
