// Compile-time check (run by `npm run typecheck -w packages/extension`): the extension's mirror of
// the server's custom-request types must accept what the server sends, and the method names match.
import type * as server from '../../language/src/lsp/protocol.js';
import type * as client from '../src/protocol.js';


type Assignable<From, To> = From extends To ? true : never;
const checks: [
    Assignable<server.ModelGraphResult, client.ModelGraphResult>,
    Assignable<client.ModelRequestParams, server.ModelRequestParams>,
    Assignable<client.ModelAtParams, server.ModelAtParams>,
    Assignable<typeof server.ModelGraphRequest, typeof client.ModelGraphRequest>,
    Assignable<typeof server.ModelAtRequest, typeof client.ModelAtRequest>,
    Assignable<server.DerivationResult, client.DerivationResult>,
    Assignable<typeof server.DerivationRequest, typeof client.DerivationRequest>,
] = [true, true, true, true, true, true, true];
export default checks;
