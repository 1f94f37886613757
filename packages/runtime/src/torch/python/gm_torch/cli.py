"""`python run.py train | sample | convert`: the exported package's command line."""
import argparse
import os
import sys

import numpy as np
import torch

from . import checkpoint as ckpt
from .png import write_grid


def positive(text):
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f'must be a positive integer, not {text!r}')
    return n


def parser():
    p = argparse.ArgumentParser(prog='run.py', description='Train, sample and convert checkpoints of the exported gm model.')
    sub = p.add_subparsers(dest='command', required=True)
    t = sub.add_parser('train', help='train on the dataset (torchrun run.py train for several processes)')
    t.add_argument('--steps', type=positive)
    t.add_argument('--epochs', type=positive)
    t.add_argument('--batch', type=positive, help='the global batch (split over the processes)')
    t.add_argument('--seed', type=positive)
    t.add_argument('--out', default='runs')
    t.add_argument('--resume', action='store_true')
    t.add_argument('--force', action='store_true', help='resume from a checkpoint of another version of the model')
    t.add_argument('--json', action='store_true', help='JSON events on stdout, one a line')
    t.add_argument('--sample-every', type=positive)
    t.add_argument('--checkpoint-every', type=positive)
    t.add_argument('--device', default='auto', help='auto (CUDA when there is one), cpu, cuda, cuda:1 …')
    t.add_argument('--compile', action=argparse.BooleanOptionalAction, default=None, help='torch.compile the networks (default: on CUDA)')
    t.add_argument('--progress-interval', type=float, default=0.5, help='seconds between progress events')
    t.add_argument('--file', help='the .gm file, for the start event')
    s = sub.add_parser('sample', help='a PNG grid of samples from a checkpoint')
    s.add_argument('--checkpoint', required=True)
    s.add_argument('--n', type=positive, default=64)
    s.add_argument('--out', default='samples.png')
    s.add_argument('--sampler', choices=['ancestral', 'ddim'])
    s.add_argument('--steps', type=positive)
    s.add_argument('--eta', type=float)
    s.add_argument('--seed', type=int, default=1)
    s.add_argument('--device', default='auto')
    c = sub.add_parser('convert', help="a gm checkpoint to a PyTorch state dict (.pt), or back")
    c.add_argument('source')
    c.add_argument('target')
    return p


def main(model, argv=None):
    args = parser().parse_args(argv)
    if args.command == 'train':
        from .train import run
        return run(model, args)
    if args.command == 'sample':
        return sample(model, args)
    return convert(model, args)


def sample(model, args):
    from .device import Features
    from .sample import samples
    cfg = model.CONFIG
    features = Features(args.device, False)
    nets = model.networks.build(cfg['train']['seed']).to(features.device).eval()
    manifest, groups = ckpt.load(args.checkpoint)
    ckpt.assign_weights(nets, groups['ema'] or groups['weights'])
    options = {}
    if cfg['chain']:
        s = cfg['sample']
        options = {'sampler': args.sampler or s['sampler'], 'steps': args.steps or s.get('steps'), 'eta': args.eta if args.eta is not None else s.get('eta', 0.0)}
        if s.get('clip'):
            options['clip'] = cfg['data']['valueRange']
    x = samples(model, dict(nets.items()), args.n, args.seed, device=features.device, **options)
    print(write_grid(args.out, x.float().cpu().numpy(), cfg['data']['valueRange']))
    return 0


def convert(model, args):
    """gm checkpoint folder → .pt (the networks' state dict, PyTorch's layout), or .pt → gm checkpoint folder."""
    cfg = model.CONFIG
    nets = model.networks.build(cfg['train']['seed'])
    if args.source.endswith('.pt'):
        state = torch.load(args.source, map_location='cpu')
        nets.load_state_dict(state['weights'] if 'weights' in state else state)
        position = {'model': cfg['model'], 'sourceHash': cfg['sourceHash'], 'step': int(state.get('step', 0)), 'epoch': 0, 'seed': cfg['train']['seed'], 'rng': {}}
        groups = {'weights': ckpt.weights_of(nets)}
        if 'ema' in state:
            nets.load_state_dict(state['ema'])
            groups['ema'] = ckpt.weights_of(nets)
        print(ckpt.save(args.target, position, groups, metadata={'convertedFrom': os.path.abspath(args.source)}))
        return 0
    manifest, groups = ckpt.load(args.source)
    ckpt.assign_weights(nets, groups['weights'])
    state = {'weights': nets.state_dict(), 'step': manifest['step'], 'model': manifest['model']}
    if groups['ema']:
        ema = model.networks.build(cfg['train']['seed'])
        ckpt.assign_weights(ema, groups['ema'], 'EMA weights')
        state['ema'] = ema.state_dict()
    torch.save(state, args.target)
    print(os.path.abspath(args.target))
    return 0
