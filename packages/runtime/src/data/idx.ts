/**
 * The IDX format of MNIST, Fashion-MNIST, KMNIST and EMNIST (http://yann.lecun.com/exdb/mnist/):
 * a 4-byte magic number (two zero bytes, a type code, the number of dimensions), the dimensions as
 * big-endian 32-bit integers, then the data in row-major order. Files may be gzipped.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
    dims: number[];
    data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { name: string; bytes: number }> = {
    0x08: { name: 'unsigned byte', bytes: 1 },
    0x09: { name: 'signed byte', bytes: 1 },
    0x0b: { name: 'short', bytes: 2 },
    0x0c: { name: 'int', bytes: 4 },
    0x0d: { name: 'float', bytes: 4 },
    0x0e: { name: 'double', bytes: 8 },
};

/** Parses an IDX file's bytes (already gunzipped). `file` names it in errors. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
    const expected = 'an IDX file (magic number 0x0000TTDD: type TT, DD dimensions)';
    if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
        throw new Error(`${file}: not ${expected}; the file starts with ${hexStart(bytes)}`);
    }
    const type = TYPES[bytes[2]];
    const ndims = bytes[3];
    if (!type) throw new Error(`${file}: unknown IDX type code 0x${bytes[2].toString(16)} (expected one of 08, 09, 0B, 0C, 0D, 0E)`);
    if (ndims === 0) throw new Error(`${file}: an IDX header with 0 dimensions`);
    const header = 4 + 4 * ndims;
    if (bytes.length < header) throw new Error(`${file}: truncated IDX header (${bytes.length} bytes, expected at least ${header})`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const dims: number[] = [];
    for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
    const count = dims.reduce((a, b) => a * b, 1);
    const expectedBytes = header + count * type.bytes;
    if (bytes.length !== expectedBytes) {
        throw new Error(`${file}: corrupt IDX file: header says ${dims.join('×')} ${type.name} values (${expectedBytes} bytes), but the file has ${bytes.length} bytes`);
    }
    const body = bytes.subarray(header);
    switch (bytes[2]) {
        case 0x08:
            return { dims, data: new Uint8Array(body) };
        case 0x09:
            return { dims, data: new Int8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)) };
        default: {
            // Multi-byte values are big-endian; typed arrays are little-endian on every platform Node runs on.
            const data =
                bytes[2] === 0x0b ? new Int16Array(count) : bytes[2] === 0x0c ? new Int32Array(count) : bytes[2] === 0x0d ? new Float32Array(count) : new Float64Array(count);
            const read = (i: number): number => {
                const at = header + i * type.bytes;
                switch (bytes[2]) {
                    case 0x0b:
                        return view.getInt16(at, false);
                    case 0x0c:
                        return view.getInt32(at, false);
                    case 0x0d:
                        return view.getFloat32(at, false);
                    default:
                        return view.getFloat64(at, false);
                }
            };
            for (let i = 0; i < count; i++) data[i] = read(i);
            return { dims, data };
        }
    }
}

function hexStart(bytes: Uint8Array): string {
    return Array.from(bytes.subarray(0, 4), b => b.toString(16).padStart(2, '0')).join(' ') || '(empty file)';
}

/** Reads an IDX file, gunzipping it when it starts with the gzip magic bytes. */
export async function readIdx(file: string): Promise<IdxArray> {
    let bytes: Uint8Array;
    try {
        bytes = await readFile(file);
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new Error(`${file}: cannot read the IDX file (${code === 'ENOENT' ? 'no such file' : (code ?? String(error))})`, { cause: error });
    }
    if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
        try {
            bytes = gunzipSync(bytes);
        } catch (error) {
            throw new Error(`${file}: corrupt gzip data (${(error as Error).message}); expected a gzipped IDX file`, { cause: error });
        }
    }
    return parseIdx(bytes, file);
}

/** Encodes an unsigned-byte IDX file (used to write test fixtures and to export data). */
export function encodeIdxUint8(dims: number[], data: Uint8Array): Uint8Array {
    const header = 4 + 4 * dims.length;
    const out = new Uint8Array(header + data.length);
    const view = new DataView(out.buffer);
    out[2] = 0x08;
    out[3] = dims.length;
    dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
    out.set(data, header);
    return out;
}
