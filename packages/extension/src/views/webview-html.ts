import { randomBytes } from 'node:crypto';

/** A fresh nonce for each rendering: only scripts and styles carrying it run (CSP Level 2). */
export function nonce(): string {
    return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

/**
 * The Content-Security-Policy of every gm webview: nothing by default, scripts and style
 * elements only with the nonce, images, fonts and style sheets only from the webview's own
 * resource origin (the extension and the run folder, limited by localResourceRoots). No remote
 * content, no inline event handlers, no eval.
 */
export function contentSecurityPolicy(cspSource: string, nonceValue: string): string {
    return [`default-src 'none'`, `img-src ${cspSource} data:`, `font-src ${cspSource}`, `style-src ${cspSource} 'nonce-${nonceValue}'`, `script-src 'nonce-${nonceValue}'`].join(
        '; ',
    );
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export interface PageOptions {
    title: string;
    cspSource: string;
    /** Webview URIs (already converted with asWebviewUri). */
    scripts: string[];
    styles: string[];
    /** The page's body markup (static, written by the extension; no user text). */
    body: string;
}

export function webviewHtml(options: PageOptions): string {
    const n = nonce();
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(options.cspSource, n))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeAttr(options.title)}</title>
${options.styles.map(s => `<link rel="stylesheet" nonce="${n}" href="${escapeAttr(s)}">`).join('\n')}
</head>
<body>
${options.body}
${options.scripts.map(s => `<script nonce="${n}" src="${escapeAttr(s)}"></script>`).join('\n')}
</body>
</html>`;
}
