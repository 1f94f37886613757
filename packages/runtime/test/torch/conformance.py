"""Runs exported packages on given weights, batches and noise, for torch-conformance.test.ts.

argv[1] is a JSON list of jobs: {package, checkpoint, step, batch: {name: array}, overrides: {key: array}, proposals: {name: p_t},
samples: {n, overrides, inputs (a conditional model's classes) or steps and z (a chain)}, out}. Arrays are {file, shape} of little-endian float32. Writes each job's `out` JSON:
every term's per-example values of model/loss.py and model/bound.py, the loss, and the samples.
"""
import importlib.util
import json
import os
import sys

import numpy as np
import torch

torch.set_num_threads(max(1, min(2, torch.get_num_threads())))


def finite(values):
    """JSON numbers, with 'nan', 'inf', '-inf' as strings (JSON has none of them)."""
    return [v if np.isfinite(v) else str(v) for v in values]


def array(a):
    return torch.from_numpy(np.fromfile(a['file'], dtype='<f4').reshape(a['shape']).copy())


def load_package(folder, name):
    """The package's `model` under a unique name (each job is another model); gm_torch is the same in every export."""
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(name, os.path.join(folder, 'model', '__init__.py'), submodule_search_locations=[os.path.join(folder, 'model')])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    for k, job in enumerate(jobs):
        if job['package'] not in sys.path:
            sys.path.insert(0, job['package'])
        # gm_torch is the same in every export: the first package's is imported once.
        from gm_torch import checkpoint as ckpt
        from gm_torch.program import Context, evaluate, loss
        from gm_torch.sample import chain_samples, latent_samples
        model = load_package(job['package'], f'model_{k}')
        nets = model.networks.build(model.CONFIG['train']['seed'])
        _, groups = ckpt.load(job['checkpoint'])
        ckpt.assign_weights(nets, groups['weights'])
        nets.eval()
        callables = dict(nets.items())
        batch = {name: array(a) for name, a in job['batch'].items()}
        result = {}
        for which in ('loss', 'bound'):
            program = getattr(model, which)
            overrides = {key: array(a) for key, a in job['overrides'][which].items()}
            with torch.no_grad():
                ctx = Context(callables, batch, job['step'], 11, replicas=program.REPLICAS, overrides=overrides, proposals=job['proposals'])
                values = evaluate(program, ctx)
                total, _ = loss(program, values, job['step'])
            result[which] = {'terms': {t: finite(v.tolist()) for t, v in values.items()}, 'loss': finite([float(total)])[0]}
        s = job['samples']
        overrides = {key: array(a) for key, a in s['overrides'].items()}
        if model.CONFIG['chain']:
            z = {int(t): array(a) for t, a in s['z'].items()}
            x = chain_samples(model, callables, s['n'], 9, sampler='ddim', steps=s['steps'], eta=1.0, noise=lambda t, shape: overrides if t == 'prior' else z[t])
        else:
            x = latent_samples(model, callables, s['n'], 9, overrides=overrides, inputs={name: array(a) for name, a in s['inputs'].items()})
        result['samples'] = finite(x.reshape(-1).tolist())
        with open(job['out'], 'w') as f:
            json.dump(result, f)


if __name__ == '__main__':
    main()
