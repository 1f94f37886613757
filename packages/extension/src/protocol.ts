/**
 * The custom requests the extension sends to the gm language server. Plain method names and
 * types (no LSP library types), mirrored from `packages/language/src/lsp/protocol.ts`;
 * `test/protocol-compat.ts` fails to type-check when the two drift apart.
 */

/** A zero-based LSP position. */
export interface Position {
    line: number;
    character: number;
}

/** A zero-based, end-exclusive LSP range in the document. */
export interface SourceRange {
    start: Position;
    end: Position;
}

export interface ModelRequestParams {
    /** The document's URI as the client knows it (`document.uri.toString()`). */
    uri: string;
    /** A model by name; all models of the document when absent. */
    model?: string;
}

// ------------------------------------------------------------------ gm/modelGraph

/** `gm/modelGraph` (params {@link ModelRequestParams}) → {@link ModelGraphResult}. */
export const ModelGraphRequest = 'gm/modelGraph';

/**
 * A node of the graphical model (Kingma & Welling 2013, Figure 1): a random variable inside the
 * plate over the N examples, or the network parameters θ (generative) / φ (approximate posterior).
 */
export interface GraphNode {
    /** Unique within the model, e.g. `z`, `x[t-1]`, `θ`. */
    id: string;
    /** Display label in Unicode: `z`, `x₀`, `x_{t−1}`, `θ`. */
    label: string;
    /** `observed` nodes are drawn shaded. */
    kind: 'observed' | 'latent' | 'parameter';
    /** The declaration revealed when the node is clicked. */
    range: SourceRange;
    /** For parameters: the networks they stand for. */
    networks?: string[];
}

export interface GraphEdge {
    from: string;
    to: string;
    /** `p`: generative model, drawn solid; `q`: approximate posterior, drawn dashed. */
    kind: 'p' | 'q';
    /** The factor the edge comes from, e.g. `p(x|z)`. */
    factor: string;
    /** The factor's declaration. */
    range: SourceRange;
}

export interface ModelGraph {
    model: string;
    nodes: GraphNode[];
    edges: GraphEdge[];
    /** The plate over the examples and the ids of the nodes inside it. */
    plate: { label: string; nodes: string[] };
    /** Chains in order x_0 → x_T, drawn in a row. */
    chains: Array<{ name: string; nodes: string[] }>;
}

export interface ModelGraphResult {
    models: ModelGraph[];
    /** Why a model has no graph (e.g. syntax errors). */
    problems: string[];
}

// ------------------------------------------------------------------ gm/derivation

/** `gm/derivation` (params {@link ModelRequestParams}) → {@link DerivationResult}. */
export const DerivationRequest = 'gm/derivation';

export interface DerivationStep {
    /** What the step does, in words: "KL of two diagonal Normals in closed form". */
    title: string;
    /** The step's equation in LaTeX (KaTeX subset). */
    latex: string;
    /** The rule or the paper equation it rests on, e.g. "Kingma & Welling 2013, eq. 10". */
    source?: string;
}

export interface ModelDerivation {
    name: string;
    /** The whole bound in LaTeX (what "Copy as LaTeX" copies). */
    latex: string;
    steps: DerivationStep[];
    /** The objective that is minimized, when it differs from the bound (β-VAE, simple loss). */
    objective?: string;
    /** For chains: rows of the VAE ↔ diffusion correspondence, each as two LaTeX cells. */
    correspondence?: Array<{ vae: string; model: string }>;
    /** Remarks such as "not a bound when β < 1". */
    notes?: string[];
    /** Where the model is declared (for following the cursor). */
    range?: SourceRange;
}

export interface DerivationResult {
    models: ModelDerivation[];
    problems?: string[];
}

// ------------------------------------------------------------------ gm/modelAt

/** `gm/modelAt` (params {@link ModelAtParams}) → the name of the model at a position, or null. */
export const ModelAtRequest = 'gm/modelAt';

export interface ModelAtParams {
    uri: string;
    line: number;
    character: number;
}
