import type { TrainIR } from '@gm/language';
import type { Parameter } from '../nets/parameters.js';
import { Adam } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { RmsProp, Sgd } from './sgd.js';

/** The first of `keys` that the model's optimizer options set, else `fallback`. */
function option(options: Record<string, number>, keys: string[], fallback: number): number {
    for (const k of keys) if (options[k] !== undefined) return options[k];
    return fallback;
}

/** The optimizer the `train` block names, with PyTorch's defaults for options it leaves out. */
export function createOptimizer(train: TrainIR, parameters: Parameter[]): Optimizer {
    const { name, options } = train.optimizer;
    switch (name) {
        case 'Adam':
        case 'AdamW':
            return new Adam(
                parameters,
                {
                    beta1: option(options, ['beta1', 'b1'], 0.9),
                    beta2: option(options, ['beta2', 'b2'], 0.999),
                    eps: option(options, ['eps', 'epsilon'], 1e-8),
                    weightDecay: option(options, ['weight_decay', 'weightDecay', 'wd'], name === 'AdamW' ? 0.01 : 0),
                },
                name === 'AdamW',
            );
        case 'SGD':
            return new Sgd(parameters, option(options, ['momentum'], 0));
        case 'RMSProp':
            return new RmsProp(parameters, option(options, ['alpha', 'rho', 'decay'], 0.99), option(options, ['eps', 'epsilon'], 1e-8));
    }
}

/** This step's learning rate: a linear warm-up over `lrWarmup` steps (Goyal et al. 2017), then constant. */
export function learningRate(train: TrainIR, step: number): number {
    const base = train.optimizer.lr;
    if (!train.lrWarmup || train.lrWarmup <= 0) return base;
    return base * Math.min(1, (step + 1) / train.lrWarmup);
}
