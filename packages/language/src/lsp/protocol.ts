/**
 * Custom requests of the gm language server, shared with the VS Code extension as plain
 * method names and types (no LSP library types, so both sides type-check whatever their
 * vscode-languageserver/-client versions).
 */
import type { ModelGraph } from '../graph/model-graph.js';

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
