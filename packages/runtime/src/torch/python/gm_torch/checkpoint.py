"""gm's checkpoint format (src/checkpoint/store.ts), read and written here too.

A checkpoint is a folder `step-000001234` with `checkpoint.json`, `tensors.bin` (little-endian
float32) and `checkpoint.sha256` (the SHA-256 of both, in sha256sum's format, written last), tensors
in gm's layout and by gm's names; `latest` names the newest. Only finite values are written. Written under a
temporary name and renamed, so a kill never leaves half of one. Because both targets read and write
this one format, a model trained here is sampled by `gm sample` (TensorFlow.js), and the other way
round; `convert.py` also turns one into a PyTorch state dict (`.pt`) and back.
"""
import datetime
import hashlib
import json
import os
import secrets
import shutil

import numpy as np
import torch

from .init import gm_name, to_gm, to_torch

MANIFEST = 'checkpoint.json'
TENSORS = 'tensors.bin'
CHECKSUMS = 'checkpoint.sha256'
LATEST = 'latest'

# gm's optimizer slot names and PyTorch's state keys.
SLOTS = {'Adam': {'m': 'exp_avg', 'v': 'exp_avg_sq'}, 'AdamW': {'m': 'exp_avg', 'v': 'exp_avg_sq'}, 'SGD': {'momentum': 'momentum_buffer'}, 'RMSProp': {'square': 'square_avg'}}


def folder_name(step):
    return f'step-{step:09d}'


def find(target):
    """The checkpoint folder `target` means: itself, or the one its `latest` file names; None if none."""
    if os.path.isfile(os.path.join(target, MANIFEST)):
        return target
    latest = os.path.join(target, LATEST)
    if os.path.isfile(latest):
        with open(latest) as f:
            folder = os.path.join(target, f.read().strip())
        if os.path.isfile(os.path.join(folder, MANIFEST)):
            return folder
    return None


def load(target):
    """(manifest, {group: {name: float32 array in gm's layout}}), the SHA-256 checked."""
    folder = find(target)
    if folder is None:
        raise FileNotFoundError(f"{target}: no checkpoint here (expected {MANIFEST}, or a '{LATEST}' file naming a checkpoint folder)")
    with open(os.path.join(folder, MANIFEST), 'rb') as f:
        manifest_bytes = f.read()
    sums = os.path.join(folder, CHECKSUMS)
    if os.path.isfile(sums):
        with open(sums) as f:
            expected = dict(reversed(line.split(None, 1)) for line in f.read().splitlines() if line.strip())
        if expected.get(MANIFEST) != hashlib.sha256(manifest_bytes).hexdigest():
            raise ValueError(f'{folder}/{MANIFEST}: damaged (its SHA-256 is not the one in {CHECKSUMS})')
    manifest = json.loads(manifest_bytes)
    if manifest.get('format') != 'gm-checkpoint' or manifest.get('version') not in (1, 2):
        raise ValueError(f'{folder}: not a gm checkpoint')
    with open(os.path.join(folder, TENSORS), 'rb') as f:
        body = f.read()
    if len(body) != manifest['bytes'] or hashlib.sha256(body).hexdigest() != manifest['sha256']:
        raise ValueError(f'{folder}/{TENSORS}: damaged ({len(body)} bytes, expected {manifest["bytes"]})')
    values = np.frombuffer(body, dtype='<f4')
    groups = {'weights': {}, 'optimizer': {}, 'ema': {}}
    for t in manifest['tensors']:
        if t.get('dtype', 'float32') != 'float32' or t['length'] != int(np.prod(t['shape'], dtype=np.int64)) or t['offset'] + t['length'] > values.size:
            raise ValueError(f'{folder}/{MANIFEST}: tensor {t["name"]} does not fit its shape {t["shape"]} in {TENSORS}')
        a = values[t['offset']:t['offset'] + t['length']].reshape(t['shape'])
        if not np.isfinite(a).all():
            raise ValueError(f'{folder}/{TENSORS}: {t["name"]} holds non-finite values')
        groups[t['group']][t['name']] = a
    return manifest, groups


def save(out, position, groups, optimizer=None, metadata=None, keep=1):
    """Writes a checkpoint atomically into `out`; `groups` maps 'weights'/'optimizer'/'ema' to {name: array}."""
    os.makedirs(out, exist_ok=True)
    tensors, chunks, total = [], [], 0
    for group in ('weights', 'optimizer', 'ema'):
        for name, array in groups.get(group, {}).items():
            a = np.ascontiguousarray(array, dtype='<f4')
            if not np.isfinite(a).all():
                raise ValueError(f'{name} holds non-finite values: not saved (a checkpoint holds only finite values)')
            tensors.append({'group': group, 'name': name, 'shape': list(a.shape), 'dtype': 'float32', 'offset': total, 'length': int(a.size)})
            chunks.append(a.tobytes())
            total += a.size
    body = b''.join(chunks)
    manifest = {
        'format': 'gm-checkpoint',
        'version': 2,
        **position,
        'createdAt': datetime.datetime.now(datetime.timezone.utc).isoformat().replace('+00:00', 'Z'),
        'tensors': tensors,
        **({'optimizer': optimizer} if optimizer else {}),
        'metadata': metadata or {},
        'bytes': len(body),
        'sha256': hashlib.sha256(body).hexdigest(),
    }
    name = folder_name(position['step'])
    temp = os.path.join(out, f'.tmp-{name}-{secrets.token_hex(4)}')
    os.makedirs(temp)
    manifest_bytes = json.dumps(manifest, indent=1).encode()
    sums = f'{hashlib.sha256(manifest_bytes).hexdigest()}  {MANIFEST}\n{manifest["sha256"]}  {TENSORS}\n'.encode()
    for file, data in ((TENSORS, body), (MANIFEST, manifest_bytes), (CHECKSUMS, sums)):
        with open(os.path.join(temp, file), 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    target = os.path.join(out, name)
    if os.path.exists(target):
        os.replace(target, os.path.join(out, f'.tmp-old-{name}-{secrets.token_hex(4)}'))
    os.replace(temp, target)
    latest_temp = os.path.join(out, f'.tmp-{LATEST}-{secrets.token_hex(4)}')
    with open(latest_temp, 'w') as f:
        f.write(name + '\n')
        f.flush()
        os.fsync(f.fileno())
    os.replace(latest_temp, os.path.join(out, LATEST))
    entries = os.listdir(out)
    steps = sorted(e for e in entries if e.startswith('step-') and e != name)
    stale = [e for e in entries if e.startswith('.tmp-')] + steps[:max(0, len(steps) - (keep - 1))]
    for e in stale:
        shutil.rmtree(os.path.join(out, e), ignore_errors=True)
    return os.path.abspath(target)


def weights_of(nets):
    """{gm name: array in gm's layout} of every parameter of a ModuleDict of networks."""
    return {gm_name(k): to_gm(v.detach().float().cpu().numpy()) for k, v in nets.state_dict().items()}


def assign_weights(nets, saved, what='weights'):
    """Loads gm-named arrays into the networks; every parameter must be there with its shape."""
    state = {}
    for k, v in nets.state_dict().items():
        name = gm_name(k)
        if name not in saved:
            raise KeyError(f'{what}: the checkpoint has no {name}')
        array = to_torch(np.asarray(saved[name], dtype=np.float32))
        if list(array.shape) != list(v.shape):
            raise ValueError(f'{what}: {name} has shape {list(saved[name].shape)} in the checkpoint')
        state[k] = torch.from_numpy(array.copy())
    nets.load_state_dict(state)


def optimizer_slots(optimizer, named_params, name):
    """gm's slots (`<param>/m` …) from a torch optimizer's state."""
    out = {}
    for kind, key in SLOTS[name].items():
        for pname, p in named_params:
            state = optimizer.state.get(p, {})
            value = state.get(key)
            out[f'{gm_name(pname)}/{kind}'] = to_gm(value.detach().float().cpu().numpy()) if value is not None else to_gm(np.zeros(list(p.shape), np.float32))
    return out


def load_optimizer(optimizer, named_params, name, slots, iterations):
    """Puts gm's slots and step count into a torch optimizer's state."""
    if iterations == 0:
        return
    for pname, p in named_params:
        state = {}
        for kind, key in SLOTS[name].items():
            state[key] = torch.from_numpy(to_torch(np.asarray(slots[f'{gm_name(pname)}/{kind}'], np.float32)).copy()).to(p.device)
        if name != 'SGD':
            fused = any(g.get('fused') for g in optimizer.param_groups)
            state['step'] = torch.tensor(float(iterations), device=p.device if fused else 'cpu')
        optimizer.state[p] = state
