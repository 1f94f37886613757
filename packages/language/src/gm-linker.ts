import { DefaultLinker, type AstNodeDescription, type LangiumCoreServices, type LinkingError, type ReferenceInfo, type ScopeProvider } from 'langium';

/** Edit distance, for "did you mean" suggestions. */
function levenshtein(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0]!;
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j]!;
            row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length]!;
}

/** Linking errors that say "unknown name" and suggest the closest name in scope. */
export class GmLinker extends DefaultLinker {
    private readonly scopes: ScopeProvider;

    constructor(services: LangiumCoreServices) {
        super(services);
        this.scopes = services.references.ScopeProvider;
    }

    protected override createLinkingError(refInfo: ReferenceInfo, targetDescription?: AstNodeDescription): LinkingError {
        const error = super.createLinkingError(refInfo, targetDescription);
        const name = refInfo.reference.$refText;
        let best: string | undefined;
        // A suggestion must share most of the name; a different case always counts as close.
        let bestDistance = Math.min(Math.max(1, Math.floor(name.length / 3)), name.length - 1) + 1;
        for (const candidate of this.scopes.getScope(refInfo).getAllElements()) {
            const distance = candidate.name.toLowerCase() === name.toLowerCase() ? 0 : levenshtein(name, candidate.name);
            if (distance < bestDistance) {
                best = candidate.name;
                bestDistance = distance;
            }
        }
        return { ...error, message: `unknown name '${name}'${best ? `; did you mean '${best}'?` : ''}` };
    }
}
