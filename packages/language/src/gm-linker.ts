import { DefaultLinker, type AstNodeDescription, type LangiumCoreServices, type LinkingError, type ReferenceInfo, type Scope, type ScopeProvider } from 'langium';

/** Names longer than this get no suggestion: the edit distance costs the product of the lengths. */
const SUGGEST_UP_TO = 64;
/** At most this many names in scope are compared with an unknown one (a model may declare thousands). */
const COMPARED = 500;
const row = new Uint16Array(SUGGEST_UP_TO + 1);

/** Edit distance, for "did you mean" suggestions (`a` at most SUGGEST_UP_TO long); `limit` once it is certain to be at least `limit`. */
function levenshtein(a: string, b: string, limit: number): number {
    if (Math.abs(a.length - b.length) >= limit) return limit;
    for (let j = 0; j <= a.length; j++) row[j] = j;
    for (let i = 1; i <= b.length; i++) {
        let diagonal = row[0]!;
        row[0] = i;
        let smallest = i;
        for (let j = 1; j <= a.length; j++) {
            const above = row[j]!;
            row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (b[i - 1] === a[j - 1] ? 0 : 1));
            diagonal = above;
            if (row[j]! < smallest) smallest = row[j]!;
        }
        // A row's minimum never decreases further down.
        if (smallest >= limit) return limit;
    }
    return Math.min(row[a.length]!, limit);
}

/** Linking errors that say "unknown name" and suggest the closest name in scope. */
export class GmLinker extends DefaultLinker {
    private readonly scopes: ScopeProvider;
    /** The names of each scope (scopes are shared per declaring node: gm-scope.ts). */
    private readonly names = new WeakMap<Scope, { names: string[]; byLowerCase: Map<string, string> }>();

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
        const scope = this.scopes.getScope(refInfo);
        let known = this.names.get(scope);
        if (!known) {
            const names = scope
                .getAllElements()
                .map(d => d.name)
                .toArray();
            const byLowerCase = new Map<string, string>();
            for (const n of names) if (!byLowerCase.has(n.toLowerCase())) byLowerCase.set(n.toLowerCase(), n);
            known = { names, byLowerCase };
            this.names.set(scope, known);
        }
        best = known.byLowerCase.get(name.toLowerCase());
        for (const candidate of best || name.length > SUGGEST_UP_TO ? [] : known.names.slice(0, COMPARED)) {
            const distance = levenshtein(name, candidate, bestDistance);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return { ...error, message: `unknown name '${name}'${best ? `; did you mean '${best}'?` : ''}` };
    }
}
