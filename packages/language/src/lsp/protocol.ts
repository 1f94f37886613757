/**
 * Custom requests of the gm language server, shared with the VS Code extension as plain
 * method names and types (no LSP library types, so both sides type-check whatever their
 * vscode-languageserver/-client versions).
 */
import type { ModelGraph } from '../graph/model-graph.js';
import type { SourceRange } from '../ir/types.js';

export type { GraphEdge, GraphNode, ModelGraph } from '../graph/model-graph.js';

export interface ModelRequestParams {
    /** The document's URI as the client knows it. */
    uri: string;
    /** A model by name; all models of the document when absent. */
    model?: string;
}

/** `gm/modelGraph`: each model as a graphical model in plate notation. */
export const ModelGraphRequest = 'gm/modelGraph';

export interface ModelGraphResult {
    models: ModelGraph[];
    /** Why a model has no graph (it does not lower: syntax errors). */
    problems: string[];
}

/** `gm/modelAt`: the name of the model containing a position (for views that follow the cursor). */
export const ModelAtRequest = 'gm/modelAt';

export interface ModelAtParams {
    uri: string;
    line: number;
    character: number;
}

/** `gm/derivation`: each model's bound, its LaTeX and its derivation steps (for the derivation view). */
export const DerivationRequest = 'gm/derivation';

export interface DerivationStep {
    /** What the step does, in words. */
    title: string;
    latex: string;
    source?: string;
}

export interface ModelDerivation {
    name: string;
    /** The whole bound in LaTeX (what "Copy as LaTeX" copies). */
    latex: string;
    steps: DerivationStep[];
    /** The objective that is minimized, when it differs from the bound. */
    objective?: string;
    correspondence?: Array<{ vae: string; model: string }>;
    notes?: string[];
    range?: SourceRange;
    /** The term tree itself, as `gm elbo --format json` prints it. */
    terms?: unknown;
}

export interface DerivationResult {
    models: ModelDerivation[];
    problems?: string[];
}
