import { DocumentState, URI, type LangiumDocument } from 'langium';
import type { LangiumSharedServices } from 'langium/lsp';
import type { Connection } from 'vscode-languageserver';
import type { Document, Model } from '../generated/ast.js';
import type { GmServices } from '../gm-module.js';
import { modelGraph } from '../graph/model-graph.js';
import { renderLatex, toJson } from '../derivation/render.js';
import { modelErrors } from './gm-hover.js';
import { DerivationRequest, ModelAtRequest, ModelGraphRequest, type DerivationResult, type ModelAtParams, type ModelGraphResult, type ModelRequestParams } from './protocol.js';

/** The document once it is validated, or undefined when the server does not know it. */
export async function validatedDocument(shared: LangiumSharedServices, uri: string): Promise<LangiumDocument<Document> | undefined> {
    const parsed = URI.parse(uri);
    if (!shared.workspace.LangiumDocuments.hasDocument(parsed)) return undefined;
    await shared.workspace.DocumentBuilder.waitUntil(DocumentState.Validated, parsed);
    return shared.workspace.LangiumDocuments.getDocument(parsed) as LangiumDocument<Document> | undefined;
}

/**
 * The models a graph or derivation request is about: the one it names, or every model of the
 * document when it names none; undefined when the server does not know the document.
 */
async function requestedModels(shared: LangiumSharedServices, params: ModelRequestParams): Promise<Model[] | undefined> {
    const document = await validatedDocument(shared, params.uri);
    return document?.parseResult.value.models.filter(model => !params.model || model.name === params.model);
}

/** The answer of a graph or derivation request on a document the server does not know. */
function unknownDocument(params: ModelRequestParams): { models: []; problems: string[] } {
    return { models: [], problems: [`unknown document ${params.uri}`] };
}

/** Registers gm's custom requests on the language server's connection. */
export function registerGmRequests(connection: Connection, shared: LangiumSharedServices, gm: GmServices): void {
    connection.onRequest(ModelGraphRequest, async (params: ModelRequestParams): Promise<ModelGraphResult> => {
        const models = await requestedModels(shared, params);
        if (!models) return unknownDocument(params);
        const result: ModelGraphResult = { models: [], problems: [] };
        for (const model of models) {
            const lowered = gm.ir.ModelCache.get(model);
            if (lowered.incomplete) result.problems.push(`model ${model.name}: fix the syntax errors to see its graph`);
            else result.models.push(modelGraph(lowered.model));
        }
        return result;
    });

    connection.onRequest(DerivationRequest, async (params: ModelRequestParams): Promise<DerivationResult> => {
        const models = await requestedModels(shared, params);
        if (!models) return unknownDocument(params);
        const result: DerivationResult = { models: [], problems: [] };
        for (const model of models) {
            const errors = modelErrors(model);
            if (errors.length > 0) {
                result.problems!.push(`model ${model.name}: no bound while it has errors (line ${errors[0]!.range.start.line + 1}: ${errors[0]!.message})`);
                continue;
            }
            const bound = gm.ir.ModelCache.bound(model);
            if (!bound.ok) {
                result.problems!.push(`model ${model.name}: ${bound.failure.reasons.map(r => r.message).join('; ')}`);
                continue;
            }
            const d = bound.derivation;
            result.models.push({
                name: d.model,
                latex: renderLatex(d),
                steps: d.steps.map(s => ({ title: s.reason, latex: s.latex })),
                ...(d.objective.kind !== 'elbo' ? { objective: d.objective.kind } : {}),
                ...(d.correspondence.length ? { correspondence: d.correspondence.map(c => ({ vae: c.vae, model: c.model })) } : {}),
                notes: d.objective.notes,
                range: gm.ir.ModelCache.get(model).model.range,
                terms: (toJson(bound) as { terms: unknown }).terms,
            });
        }
        return result;
    });

    connection.onRequest(ModelAtRequest, async (params: ModelAtParams): Promise<string | null> => {
        const document = await validatedDocument(shared, params.uri);
        if (!document) return null;
        const offset = document.textDocument.offsetAt({ line: params.line, character: params.character });
        const model = document.parseResult.value.models.find(m => m.$cstNode && offset >= m.$cstNode.offset && offset <= m.$cstNode.end);
        return model?.name ?? document.parseResult.value.models[0]?.name ?? null;
    });
}
