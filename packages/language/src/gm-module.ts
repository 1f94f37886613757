import { inject, type Module } from 'langium';
import {
    createDefaultModule,
    createDefaultSharedModule,
    type DefaultSharedModuleContext,
    type LangiumServices,
    type LangiumSharedServices,
    type PartialLangiumServices,
    type PartialLangiumSharedServices,
} from 'langium/lsp';
import { GmGeneratedModule, GmGeneratedSharedModule } from './generated/module.js';
import { GmScopeComputation, GmScopeProvider } from './gm-scope.js';
import { GmLinker } from './gm-linker.js';
import { createGmCompletionParser, createGmParser } from './gm-parser.js';
import { GmDocumentValidator } from './validation/gm-document-validator.js';
import { GmLexerErrorMessageProvider, GmParserErrorMessageProvider } from './gm-parser-errors.js';
import { GmWorkspaceManager } from './gm-workspace.js';
import { GmIndexManager } from './gm-index-manager.js';
import { GmValidator, registerValidationChecks } from './validation/gm-validator.js';
import { GmHoverProvider } from './lsp/gm-hover.js';
import { GmFormatter } from './lsp/gm-formatter.js';
import { GmCodeLensProvider } from './lsp/gm-code-lens.js';
import { GmModelCache } from './ir/model-cache.js';
import { GmCodeActionProvider } from './lsp/gm-code-actions.js';
import { GmCompletionProvider } from './lsp/gm-completion.js';

/** Services gm adds to Langium's. */
export type GmAddedServices = {
    validation: { GmValidator: GmValidator };
    ir: { ModelCache: GmModelCache };
};

export type GmServices = LangiumServices & GmAddedServices;

export const GmModule: Module<GmServices, PartialLangiumServices & GmAddedServices> = {
    parser: {
        // LL(4) lookahead: gm's grammar needs at most two tokens, and Langium's default ALL(*) prediction
        // recursed through a long chain of `^ 2` past the nesting limit until the stack overflowed.
        ParserConfig: () => ({ maxLookahead: 4 }),
        LangiumParser: services => createGmParser(services),
        CompletionParser: services => createGmCompletionParser(services),
        ParserErrorMessageProvider: () => new GmParserErrorMessageProvider(),
        LexerErrorMessageProvider: () => new GmLexerErrorMessageProvider(),
    },
    references: {
        ScopeComputation: services => new GmScopeComputation(services),
        ScopeProvider: services => new GmScopeProvider(services),
        Linker: services => new GmLinker(services),
    },
    validation: {
        DocumentValidator: services => new GmDocumentValidator(services),
        GmValidator: services => new GmValidator(services),
    },
    ir: {
        ModelCache: services => new GmModelCache(services),
    },
    lsp: {
        HoverProvider: services => new GmHoverProvider(services),
        Formatter: () => new GmFormatter(),
        CodeLensProvider: services => new GmCodeLensProvider(services.ir.ModelCache),
        CodeActionProvider: () => new GmCodeActionProvider(),
        CompletionProvider: services => new GmCompletionProvider(services),
    },
};

export const GmSharedModule: Module<LangiumSharedServices, PartialLangiumSharedServices> = {
    workspace: {
        WorkspaceManager: services => new GmWorkspaceManager(services),
        IndexManager: services => new GmIndexManager(services),
    },
};

/**
 * Creates the shared services and the gm language services, wired as in Langium's examples.
 * The language server, the CLI and the tests all start here.
 */
export function createGmServices(context: DefaultSharedModuleContext): { shared: LangiumSharedServices; Gm: GmServices } {
    const shared = inject(createDefaultSharedModule(context), GmGeneratedSharedModule, GmSharedModule);
    const Gm = inject(createDefaultModule({ shared }), GmGeneratedModule, GmModule);
    shared.ServiceRegistry.register(Gm);
    registerValidationChecks(Gm);
    if (!context.connection) {
        // No language client: the CLI and tests configure nothing.
        void shared.workspace.ConfigurationProvider.initialized({});
    }
    return { shared, Gm };
}
