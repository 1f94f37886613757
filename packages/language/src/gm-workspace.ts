import {
    DefaultWorkspaceManager,
    URI,
    type LangiumDocument,
    type LangiumDocumentFactory,
    type LangiumDocuments,
    type LangiumSharedCoreServices,
    type WorkspaceFolder,
} from 'langium';
import { LIBRARY_SOURCE, LIBRARY_URI } from './library/library.js';

/** Loads the built-in library into every workspace, next to the user's files. */
export class GmWorkspaceManager extends DefaultWorkspaceManager {
    protected readonly documentFactory: LangiumDocumentFactory;

    constructor(services: LangiumSharedCoreServices) {
        super(services);
        this.documentFactory = services.workspace.LangiumDocumentFactory;
    }

    protected override async loadAdditionalDocuments(folders: WorkspaceFolder[], collector: (document: LangiumDocument) => void): Promise<void> {
        await super.loadAdditionalDocuments(folders, collector);
        collector(this.documentFactory.fromString(LIBRARY_SOURCE, URI.parse(LIBRARY_URI)));
    }
}

/**
 * Adds and builds the library where no workspace manager runs (the CLI, tests). Idempotent.
 */
export async function ensureLibrary(shared: LangiumSharedCoreServices): Promise<LangiumDocument> {
    const documents: LangiumDocuments = shared.workspace.LangiumDocuments;
    const uri = URI.parse(LIBRARY_URI);
    const existing = documents.getDocument(uri);
    if (existing) return existing;
    const factory: LangiumDocumentFactory = shared.workspace.LangiumDocumentFactory;
    const library = factory.fromString(LIBRARY_SOURCE, uri);
    documents.addDocument(library);
    await shared.workspace.DocumentBuilder.build([library]);
    return library;
}
