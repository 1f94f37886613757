import type { IToken, TokenType } from 'chevrotain';
import { DefaultLexerErrorMessageProvider, LangiumParserErrorMessageProvider } from 'langium';

/** Keywords that may also be names (the grammar's `Identifier` rule). */
const SOFT_KEYWORDS = new Set(['train', 'eval', 'sample', 'data', 'chain', 'from', 'starts', 'in']);

function expectedName(type: TokenType): string {
    const name = type.name.endsWith(':KW') ? type.name.slice(0, -3) : type.name;
    switch (name) {
        case 'ID':
            return 'a name';
        case 'NUMBER':
            return 'a number';
        case 'STRING':
            return 'a string';
        case 'EOF':
            return 'the end of the file';
        default:
            return `'${type.LABEL ?? name}'`;
    }
}

function found(token: IToken): string {
    return token.tokenType.name === 'EOF' || token.image === '' ? 'the end of the file' : `'${token.image}'`;
}

/** "expected a name, '(' or '[' " from the token types that could come next. */
function alternatives(types: TokenType[]): string {
    const hasName = types.some(t => t.name === 'ID');
    const names = [...new Set(types.filter(t => !(hasName && SOFT_KEYWORDS.has(t.name.replace(/:KW$/, '')))).map(expectedName))];
    if (names.includes('a number') && names.includes('a name')) return 'an expression';
    if (names.length <= 1) return names[0] ?? 'something else';
    return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/** Parser messages in the words of the language: "expected '=' but found 'Normal'". */
export class GmParserErrorMessageProvider extends LangiumParserErrorMessageProvider {
    override buildMismatchTokenMessage({ expected, actual }: { expected: TokenType; actual: IToken; previous: IToken; ruleName: string }): string {
        if (expected.name === 'EOF') return this.buildNotAllInputParsedMessage({ firstRedundant: actual, ruleName: '' });
        return `expected ${expectedName(expected)} but found ${found(actual)}`;
    }

    override buildNotAllInputParsedMessage({ firstRedundant }: { firstRedundant: IToken; ruleName: string }): string {
        return `unexpected ${found(firstRedundant)}: a file holds models, each 'model Name { … }'`;
    }

    override buildNoViableAltMessage({
        expectedPathsPerAlt,
        actual,
    }: {
        expectedPathsPerAlt: TokenType[][][];
        actual: IToken[];
        previous: IToken;
        customUserDescription?: string;
        ruleName: string;
    }): string {
        const first = expectedPathsPerAlt.flatMap(paths => paths.map(path => path[0]).filter((t): t is TokenType => t !== undefined));
        return `expected ${alternatives(first)} but found ${actual[0] ? found(actual[0]) : 'the end of the file'}`;
    }

    override buildEarlyExitMessage({
        expectedIterationPaths,
        actual,
    }: {
        expectedIterationPaths: TokenType[][];
        actual: IToken[];
        previous: IToken;
        customUserDescription?: string;
        ruleName: string;
    }): string {
        const first = expectedIterationPaths.map(path => path[0]).filter((t): t is TokenType => t !== undefined);
        return `expected ${alternatives(first)} but found ${actual[0] ? found(actual[0]) : 'the end of the file'}`;
    }
}

/** Lexer messages that name the character: "unexpected character '$'". */
export class GmLexerErrorMessageProvider extends DefaultLexerErrorMessageProvider {
    override buildUnexpectedCharactersMessage(fullText: string, startOffset: number, length: number): string {
        const text = fullText.substring(startOffset, startOffset + length);
        if (text.startsWith('"')) return "a string that is never closed: add the closing '\"' on the same line";
        return `unexpected character '${text}'`;
    }
}
