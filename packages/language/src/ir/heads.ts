/**
 * Named heads: where a paper splits one output into parts (the mean and log-variance of q(z | x),
 * Kingma & Welling 2013, appendix C.2), `MLP(784 -> 400 -> (mean: 20, logvar: 20))` names them and
 * `encoder(x).mean` reads one. A head is the slice of the one output it names, so everything
 * downstream (shapes, the derivation, the compiler) sees `encoder(x)[0:20]`.
 */
import * as ast from '../generated/ast.js';
import type { HeadIR } from './types.js';
import { Code } from '../validation/codes.js';
import type { ProblemSink } from './expressions.js';

/** The heads of `(mean: 20, logvar: 20)`, laid out consecutively, and the width they add up to. */
export function layoutHeads(list: ast.HeadList, size: (e: ast.Expr) => number, report: ProblemSink): { heads: HeadIR[]; width: number } {
    const heads: HeadIR[] = [];
    let at = 0;
    for (const head of list.heads) {
        const n = size(head.size);
        if (heads.some(h => h.name === head.name)) report(`the head '${head.name}' is named twice`, head, Code.HeadsMisplaced);
        heads.push({ name: head.name, lower: at, upper: at + n });
        at += n;
    }
    return { heads, width: at };
}

/** The heads a network declaration names (its MLP's last width), read without reporting. */
export function declaredHeads(decl: ast.NetDecl, size: (e: ast.Expr) => number): HeadIR[] | undefined {
    const call = decl.architecture;
    if (!ast.isCallExpr(call)) return undefined;
    const layers = call.args.find((a, i) => a.name === 'layers' || (i === 0 && a.name === undefined))?.value;
    const last = ast.isLayerList(layers) ? layers.items[layers.items.length - 1] : undefined;
    return ast.isHeadList(last) ? layoutHeads(last, size, () => undefined).heads : undefined;
}

/** The network a head is read from: `encoder` in `encoder(x).mean`. */
export function headNetwork(expr: ast.HeadExpr): ast.NetDecl | undefined {
    const base = expr.base;
    if (!ast.isCallExpr(base) || !ast.isNameRef(base.callee)) return undefined;
    const target = base.callee.ref.ref;
    return ast.isNetDecl(target) ? target : undefined;
}
