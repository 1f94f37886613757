// Runs before the command line: the bundle's assets lie beside it (build.mjs puts them there).
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setAssetLocations } from '@gm/runtime';

const here = path.dirname(fileURLToPath(import.meta.url));
setAssetLocations({
    wasmDir: path.join(here, 'wasm'),
    mnistDir: path.join(here, 'data', 'mnist'),
    mnistSmallDir: path.join(here, 'data', 'mnist-small'),
    torchDir: path.join(here, 'torch'),
});
