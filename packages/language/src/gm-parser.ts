/**
 * The parser, with limits that keep hostile text from exhausting the call stack. Chevrotain parses by
 * recursive descent, and every later stage (linking, lowering, the derivation, the renderers, hover,
 * formatting) walks the tree recursively; a file of 60 unclosed '(' used to kill the language server.
 * So the depth of an expression is bounded here, where the text is read, with a located diagnostic,
 * and the stages after the parser may recurse over what they get.
 *
 * - Nesting: every recursion of the expression grammar passes through the `Unary` rule (brackets,
 *   calls, indices, lists, signs, powers), so counting its active invocations counts the levels.
 * - Height: an operator chain (`1 + 1 + …`, `f(1)(2)…`) is a loop in the parser but a tree as deep as
 *   it is long; each rule invocation tracks the height of what it has built, and an operator that
 *   would make the tree taller than the limit stops the chain.
 * Either limit throws a recognition error: Chevrotain's recovery skips to the next token that can
 * follow, as for any syntax error, and the rest of the file is parsed.
 */
import { MismatchedTokenException, type IToken } from 'chevrotain';
import { GrammarAST, LangiumCompletionParser, LangiumParser, createParser, type AstNode, type CompletionParserResult, type LangiumCoreServices, type ParseResult } from 'langium';

/** Levels of brackets, calls, indices, signs and powers in one expression (the parser's stack needs ~9 frames a level). */
export const MAX_NESTING = 24;
/** Rule invocations and operators nested in one another, from the document down (what later stages recurse over). */
export const MAX_HEIGHT = 256;

type Args = Record<string, boolean>;
type RuleImpl = (args: Args) => unknown;
type RuleResult = (args: Args) => unknown;

/** The parser's exception for too deep an expression: reported with the code `too-deep` (gm-document-validator.ts). */
export class TooDeepException extends MismatchedTokenException {}

const nestingMessage = () => `expression nested more than ${MAX_NESTING} levels deep (brackets, calls, indices, signs and powers); split it with 'let'`;
const heightMessage = () => `expression too deep: its syntax tree would be more than ${MAX_HEIGHT} levels deep; split it with 'let'`;

/** The protected look-ahead of Chevrotain's parser, which Langium's wrapper does not expose. */
type LookAhead = { LA(howMuch: number): IToken };
/** Chevrotain's protected step past the next token, which Langium's wrapper does not expose. */
type Skipping = LookAhead & { consumeToken(): void };

/** A token with a position for the diagnostic: the next one, or the last one read at the end of the file. */
function located(wrapper: unknown): { token: IToken; previous: IToken } {
    const la = wrapper as LookAhead;
    const token = la.LA(1);
    const previous = la.LA(0);
    return { token: Number.isFinite(token.startOffset) && token.tokenType.name !== 'EOF' ? token : previous, previous };
}

export class GmParser extends LangiumParser {
    private nesting = 0;
    /** The height of what each active rule invocation has built so far, innermost last. */
    private readonly heights: number[] = [];
    private reported = false;

    override rule(rule: GrammarAST.ParserRule | GrammarAST.InfixRule, impl: RuleImpl): RuleResult {
        const unary = rule.name === 'Unary';
        return super.rule(rule, args => {
            if (this.isRecording()) return impl(args);
            if (unary && this.nesting >= MAX_NESTING) this.fail(nestingMessage());
            if (unary) this.nesting++;
            this.heights.push(0);
            try {
                return impl(args);
            } finally {
                if (unary) this.nesting--;
                const height = this.heights.pop()!;
                const parent = this.heights.length - 1;
                if (parent >= 0) this.heights[parent] = Math.max(this.heights[parent]!, height + 1);
            }
        });
    }

    override action($type: string, action: GrammarAST.Action): void {
        // An action with a feature (`{infer BinaryExpr.left=current}`) puts what is built so far one level down.
        if (!this.isRecording() && action.feature && action.operator) {
            const top = this.heights.length - 1;
            if (top >= 0) {
                if (this.heights[top]! + 1 + this.heights.length > MAX_HEIGHT) this.fail(heightMessage());
                this.heights[top]!++;
            }
        }
        super.action($type, action);
    }

    override parse<T extends AstNode = AstNode>(input: string, options?: { rule?: string }): ParseResult<T> {
        this.nesting = 0;
        this.heights.length = 0;
        this.reported = false;
        try {
            return super.parse<T>(input, options);
        } catch (error) {
            // Syntax errors are recovered from inside; anything else is a bug. The document gets an
            // error instead of the server going down, and Langium's node stack is emptied for the next.
            (this as unknown as { stack: unknown[] }).stack = [];
            const empty = super.parse<T>('', options);
            const start = { image: '', startOffset: 0, endOffset: 0, startLine: 1, startColumn: 1, endLine: 1, endColumn: 1, tokenTypeIdx: 0 } as unknown as IToken;
            const message = `gm could not read this file (${error instanceof Error ? error.message : String(error)}); please report it with the file`;
            return { ...empty, parserErrors: [new MismatchedTokenException(message, start, start)] };
        }
    }

    /** Records the first depth error of a parse (one is enough to say what is wrong) and aborts the rule. */
    private fail(message: string): never {
        const { token, previous } = located(this.wrapper);
        const error = new TooDeepException(message, token, previous);
        if (!this.reported) this.wrapper.errors = [...this.wrapper.errors, error];
        this.reported = true;
        throw error;
    }
}

/**
 * The parser behind completion reads the text up to the cursor with the same grammar: the same nesting
 * limit. Past it, the operand is skipped instead of failing: completion needs only where the cursor is,
 * and a recognition error there makes Chevrotain re-synchronise over the whole rule stack for every
 * later token (2 s per request for 4 000 calls `(1)` inside 30 brackets: bench/completion-hostile.mjs).
 * After the skipped operand the parse goes on as after any other, so the members after a too-deep
 * expression still complete.
 */
export class GmCompletionParser extends LangiumCompletionParser {
    private nesting = 0;
    /** The last text read and its result: GmCompletionProvider and then Langium read each text once more. */
    private last?: { input: string; result: CompletionParserResult };

    override rule(rule: GrammarAST.ParserRule, impl: RuleImpl): RuleResult {
        if (rule.name !== 'Unary') return super.rule(rule, impl);
        return super.rule(rule, args => {
            if (this.isRecording()) return impl(args);
            if (this.nesting >= MAX_NESTING) return skipOperand(this.wrapper as unknown as Skipping);
            this.nesting++;
            try {
                return impl(args);
            } finally {
                this.nesting--;
            }
        });
    }

    override parse(input: string): CompletionParserResult {
        if (this.last?.input !== input) {
            this.nesting = 0;
            this.last = { input, result: super.parse(input) };
        }
        return this.last.result;
    }
}

const OPEN = new Set(['(', '[', '{']);
const CLOSE = new Set([')', ']', '}']);
const ATOMS = new Set(['ID', 'NUMBER', 'STRING', 'true', 'false']);

/**
 * Steps over the tokens of one `Unary` without recursion: signs, an atom or a bracketed group, then
 * calls, indices, `.head`s and a `^` with its own operand. Brackets are counted, not parsed, and an
 * unclosed one runs to the end of the text. Stops before the first token that cannot continue it.
 */
function skipOperand(parser: Skipping): undefined {
    const skipGroup = () => {
        for (let depth = 0; parser.LA(1).tokenType.name !== 'EOF';) {
            const image = parser.LA(1).image;
            depth += OPEN.has(image) ? 1 : CLOSE.has(image) ? -1 : 0;
            parser.consumeToken();
            if (depth === 0) return;
        }
    };
    let operand = true;
    for (;;) {
        const token = parser.LA(1);
        if (token.tokenType.name === 'EOF') return undefined;
        if (operand && token.image === '-') parser.consumeToken();
        else if (operand && ATOMS.has(token.tokenType.name)) {
            parser.consumeToken();
            operand = false;
        } else if (token.image === '(' || token.image === '[') {
            skipGroup();
            operand = false;
        } else if (!operand && token.image === '.' && parser.LA(2).tokenType.name === 'ID') {
            parser.consumeToken();
            parser.consumeToken();
        } else if (!operand && token.image === '^') {
            parser.consumeToken();
            operand = true;
        } else return undefined;
    }
}

/** As Langium's createLangiumParser, with gm's parser. */
export function createGmParser(services: LangiumCoreServices): LangiumParser {
    const parser = createParser(services.Grammar, new GmParser(services), services.parser.Lexer.definition);
    parser.finalize();
    return parser;
}

/** As Langium's createCompletionParser, with gm's completion parser. */
export function createGmCompletionParser(services: LangiumCoreServices): LangiumCompletionParser {
    const parser = createParser(services.Grammar, new GmCompletionParser(services), services.parser.Lexer.definition);
    parser.finalize();
    return parser;
}
