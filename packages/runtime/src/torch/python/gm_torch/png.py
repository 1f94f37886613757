"""PNG grids of images, as gm's src/image/png-grid.ts draws them (mid-grey padding, rows of cells)."""
import math
import os
import struct
import zlib

import numpy as np


def _geometry(shape):
    """(height, width, channels, channels_first) of one example's shape."""
    if len(shape) == 1:
        side = int(round(math.sqrt(shape[0])))
        return side, shape[0] // side, 1, True
    if len(shape) == 2:
        return shape[0], shape[1], 1, True
    if shape[0] in (1, 3):
        return shape[1], shape[2], shape[0], True
    return shape[0], shape[1], shape[2], False


def write_grid(path, images, value_range, columns=None, padding=2):
    """Writes images [N, …] as a grid; values outside the range are clipped. Atomic (rename)."""
    images = np.asarray(images, dtype=np.float32)
    n = images.shape[0]
    h, w, c, first = _geometry(list(images.shape[1:]))
    columns = columns or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / columns))
    canvas = np.full((rows * (h + padding) + padding, columns * (w + padding) + padding, 3), 128, dtype=np.uint8)
    lo, hi = value_range
    for k in range(n):
        x = images[k].reshape((c, h, w) if first else (h, w, c))
        x = np.moveaxis(x, 0, -1) if first else x
        x = np.nan_to_num((x - lo) / (hi - lo))
        x = np.round(255 * np.clip(x, 0, 1)).astype(np.uint8)
        if c == 1:
            x = np.repeat(x, 3, axis=-1)
        y0 = padding + (k // columns) * (h + padding)
        x0 = padding + (k % columns) * (w + padding)
        canvas[y0:y0 + h, x0:x0 + w] = x[..., :3]
    raw = b''.join(b'\x00' + canvas[y].tobytes() for y in range(canvas.shape[0]))
    chunk = lambda kind, data: struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)
    png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', canvas.shape[1], canvas.shape[0], 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temp = f'{path}.tmp-{os.getpid()}'
    with open(temp, 'wb') as f:
        f.write(png)
    os.replace(temp, path)
    return os.path.abspath(path)
