import { describe, expect, test } from 'vitest';
import { parseWebviewMessage } from '../src/views/messages.js';
import { contentSecurityPolicy, webviewHtml } from '../src/views/webview-html.js';

describe('messages from webviews are validated', () => {
    test('known messages pass with only their own fields', () => {
        expect(parseWebviewMessage({ type: 'stop', extra: 'ignored' })).toEqual({ type: 'stop' });
        expect(parseWebviewMessage({ type: 'ready' })).toEqual({ type: 'ready' });
        const range = { start: { line: 3, character: 2 }, end: { line: 3, character: 9 } };
        expect(parseWebviewMessage({ type: 'reveal', range: { ...range, evil: 1 } })).toEqual({ type: 'reveal', range });
        expect(parseWebviewMessage({ type: 'copyLatex', model: 'VAE' })).toEqual({ type: 'copyLatex', model: 'VAE' });
    });

    test('anything else is dropped', () => {
        for (const bad of [
            null,
            'stop',
            42,
            [],
            { type: 'exec', command: 'rm -rf /' },
            { type: 'reveal' },
            { type: 'reveal', range: { start: { line: -1, character: 0 }, end: { line: 0, character: 0 } } },
            { type: 'reveal', range: { start: { line: 1.5, character: 0 }, end: { line: 2, character: 0 } } },
            { type: 'reveal', range: { start: { line: '1', character: 0 }, end: { line: 2, character: 0 } } },
            { type: 'copyLatex', model: 7 },
            { type: 'copyLatex', model: 'x'.repeat(1000) },
            { type: '__proto__' },
        ])
            expect(parseWebviewMessage(bad), JSON.stringify(bad)).toBeUndefined();
    });
});

describe('webview pages', () => {
    test('the policy allows nothing by default and scripts only with the nonce', () => {
        const csp = contentSecurityPolicy('https://file+.vscode-resource.vscode-cdn.net', 'abc123');
        const directives = Object.fromEntries(
            csp.split('; ').map(d => {
                const [k, ...v] = d.split(' ');
                return [k, v];
            }),
        );
        expect(directives['default-src']).toEqual(["'none'"]);
        expect(directives['script-src']).toEqual(["'nonce-abc123'"]);
        expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:\/\/(?!file\+)|\*/);
        expect(directives['img-src']).toEqual(['https://file+.vscode-resource.vscode-cdn.net', 'data:']);
    });

    test('every script and style sheet carries the page nonce, and each page gets a new one', () => {
        const page = () => webviewHtml({ title: 'T "quoted"', cspSource: 'vscode-resource:', scripts: ['a.js', 'b.js'], styles: ['s.css'], body: '<div id="x"></div>' });
        const html = page();
        const nonce = /'nonce-([A-Za-z0-9]+)'/.exec(html)![1]!;
        expect(nonce.length).toBeGreaterThanOrEqual(16);
        const scripts = html.match(/<script[^>]*>/g)!;
        expect(scripts).toHaveLength(2);
        for (const s of scripts) expect(s).toContain(`nonce="${nonce}"`);
        expect(html).toContain(`<link rel="stylesheet" nonce="${nonce}" href="s.css">`);
        expect(html).toContain('<title>T &quot;quoted&quot;</title>');
        expect(/'nonce-([A-Za-z0-9]+)'/.exec(page())![1]).not.toBe(nonce);
    });
});
