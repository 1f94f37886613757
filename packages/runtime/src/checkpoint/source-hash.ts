import { createHash } from 'node:crypto';

/** SHA-256 of a model's source text, stored in checkpoints to notice a changed model on resume. */
export function sourceHash(text: string): string {
    return createHash('sha256').update(text, 'utf8').digest('hex');
}
