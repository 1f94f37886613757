import type { SourceRange } from '../ir/types.js';
import type { DiagnosticCode } from './codes.js';

/** One structural diagnostic found on the model IR, located on the IR element that causes it. */
export interface Finding {
    severity: 'error' | 'warning' | 'info';
    message: string;
    range: SourceRange;
    /** A stable code: quick fixes and tests key on it. */
    code: DiagnosticCode;
    /** What a quick fix needs to repair it (a name, a size). */
    data?: Record<string, string | number>;
}

export type Report = (finding: Finding) => void;

/** 1-based line of a range, as the user reads it. */
export const lineOf = (range: SourceRange): number => range.start.line + 1;
