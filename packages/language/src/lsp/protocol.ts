/**
 * The contract between the gm language server and the VS Code extension, defined once here and
 * imported by both (the extension as `@gm/language/protocol`): custom request names and their
 * plain types (no LSP library types, so both sides type-check whatever their
 * vscode-languageserver/-client versions), and the commands the code lenses invoke.
 * Keep this module free of runtime imports: the extension bundles it into the client.
 */
import type { ModelGraph } from '../graph/model-graph.js';
import type { SourceRange } from '../ir/types.js';

export type { GraphEdge, GraphNode, ModelGraph } from '../graph/model-graph.js';
/** Zero-based LSP positions and end-exclusive ranges in the document. */
export type { Position, SourceRange } from '../ir/types.js';

/** Commands the extension implements; the lenses above a model invoke them with the document's URI and the model's name. */
export const LENS_COMMANDS = { derivation: 'gm.showDerivation', train: 'gm.trainModel', graph: 'gm.showModelGraph' } as const;

export interface ModelRequestParams {
    /** The document's URI as the client knows it (`document.uri.toString()`). */
    uri: string;
    /** A model by name; all models of the document when absent. */
    model?: string;
}

// ------------------------------------------------------------------ gm/modelGraph

/** `gm/modelGraph` (params {@link ModelRequestParams}) → {@link ModelGraphResult}: each model as a graphical model in plate notation. */
export const ModelGraphRequest = 'gm/modelGraph';

export interface ModelGraphResult {
    models: ModelGraph[];
    /** Why a model has no graph (it does not lower: syntax errors). */
    problems: string[];
}

// ------------------------------------------------------------------ gm/modelAt

/** `gm/modelAt` (params {@link ModelAtParams}) → the name of the model containing a position, or null (for views that follow the cursor). */
export const ModelAtRequest = 'gm/modelAt';

export interface ModelAtParams {
    uri: string;
    line: number;
    character: number;
}

// ------------------------------------------------------------------ gm/derivation

/** `gm/derivation` (params {@link ModelRequestParams}) → {@link DerivationResult}: each model's bound, its LaTeX and its derivation steps. */
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
    /** The term tree itself, as `gm elbo --format json` prints it. */
    terms?: unknown;
}

export interface DerivationResult {
    models: ModelDerivation[];
    problems?: string[];
}
