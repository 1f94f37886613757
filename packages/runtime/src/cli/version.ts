import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version of the package this CLI ships in: the nearest package.json above this module (also inside a bundle). */
export function gmVersion(): string {
    let dir = path.dirname(fileURLToPath(import.meta.url));
    for (;;) {
        const file = path.join(dir, 'package.json');
        if (fs.existsSync(file)) {
            const { version } = JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string };
            if (version) return version;
        }
        const up = path.dirname(dir);
        if (up === dir) return 'unknown';
        dir = up;
    }
}
