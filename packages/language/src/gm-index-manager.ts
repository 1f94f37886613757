import {
    AstUtils,
    CstUtils,
    DefaultIndexManager,
    DocumentState,
    UriUtils,
    isReference,
    type AstNode,
    type LangiumDocument,
    type ReferenceDescription,
    type Stream,
    type URI,
} from 'langium';

/**
 * Langium's index, with the references of a document described when they are first asked for (find
 * references, rename, or whether another file's change affects this one) rather than on every build:
 * gm's names resolve inside their model and the library, so nothing reads them while a user types, and
 * describing every reference of a 5 000-line file (a node path and a range each) cost a tenth of an edit.
 */
export class GmIndexManager extends DefaultIndexManager {
    /** Documents built up to their references whose references are not described yet, by URI. */
    private readonly undescribed = new Map<string, LangiumDocument>();

    override async updateReferences(document: LangiumDocument): Promise<void> {
        const uri = document.uri.toString();
        this.referenceIndex.delete(uri);
        this.undescribed.set(uri, document);
    }

    override removeReferences(uri: URI): void {
        super.removeReferences(uri);
        this.undescribed.delete(uri.toString());
    }

    override findAllReferences(targetNode: AstNode, astNodePath: string): Stream<ReferenceDescription> {
        for (const uri of [...this.undescribed.keys()]) this.describe(uri);
        return super.findAllReferences(targetNode, astNodePath);
    }

    override isAffected(document: LangiumDocument, changedUris: Set<string>): boolean {
        this.describe(document.uri.toString());
        return super.isAffected(document, changedUris);
    }

    /**
     * Describes a document's resolved references as Langium's ReferenceDescriptionProvider does (synchronously:
     * find references asks synchronously); a document that is being rebuilt is described after its own build.
     */
    private describe(uri: string): void {
        const document = this.undescribed.get(uri);
        if (!document || document.state < DocumentState.IndexedReferences) return;
        this.undescribed.delete(uri);
        const locator = this.serviceRegistry.getServices(document.uri).workspace.AstNodeLocator;
        const descriptions: ReferenceDescription[] = [];
        for (const node of AstUtils.streamAst(document.parseResult.value)) {
            for (const { reference, container } of AstUtils.streamReferences(node)) {
                if (!isReference(reference) || reference.error || !reference.$refNode || !reference.$nodeDescription) continue;
                const target = reference.$nodeDescription;
                descriptions.push({
                    sourceUri: document.uri,
                    sourcePath: locator.getAstNodePath(container),
                    targetUri: target.documentUri,
                    targetPath: target.path,
                    segment: CstUtils.toDocumentSegment(reference.$refNode),
                    local: UriUtils.equals(target.documentUri, document.uri),
                });
            }
        }
        this.referenceIndex.set(uri, descriptions);
    }
}
