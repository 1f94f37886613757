/**
 * The document validator walks the AST down to each model and no further (gm-document-validator.ts):
 * that is right only while every check is registered on Document or Model. This keeps it so.
 */
import { describe, expect, test } from 'vitest';
import { testServices } from '../services.js';

describe('the validator stops its walk at each model', () => {
    test('no check is registered on a node type below Model', async () => {
        const services = await testServices();
        const registry = services.validation.ValidationRegistry;
        const types = services.shared.AstReflection.getAllTypes();
        expect(types.length).toBeGreaterThan(20);
        const checked = types.filter(type => [...registry.getChecks(type)].length > 0).sort();
        expect(checked).toEqual(['Document', 'Model']);
    });
});
