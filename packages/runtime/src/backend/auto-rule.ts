/**
 * When `--backend auto` takes a (hardware) WebGPU adapter over wasm: a rule from measurements, the
 * figures in BENCHMARKS.md ("Choosing a backend"). Small MLPs are launch-bound on a GPU through tfjs
 * and lose to wasm; convolutional networks and larger MLPs win.
 */
import { mlpParameterCount, type NetworkIR } from '@gm/language';

/** MLP weights (in parameters) from which WebGPU beat wasm in the measurements. */
export const WEBGPU_MLP_PARAMETERS = 1_500_000;

/** The figures the rule rests on (images per second, batch 128; wasm on 2 cores, WebGPU on one H200). */
export const AUTO_RULE_FIGURES = 'U-Net 6.5 M: WebGPU 39 img/s vs wasm 1.5; MLP DDPM 3.0 M: WebGPU 2 143 vs wasm 885; VAE 0.65 M: WebGPU 4 122 vs wasm 5 250';

/** Whether WebGPU is expected to be faster than wasm for these networks, and why, in words. */
export function webGpuFaster(networks: readonly NetworkIR[]): { faster: boolean; why: string } {
    const unet = networks.find(n => n.architecture === 'UNet');
    const weights = networks.reduce((s, n) => s + (mlpParameterCount(n) ?? 0), 0);
    const basis = `rule from measurements in BENCHMARKS.md (${AUTO_RULE_FIGURES})`;
    if (unet) return { faster: true, why: `the convolutional network ${unet.name} runs faster on a GPU: ${basis}` };
    const size = `${(weights / 1e6).toFixed(2)} M MLP weights`;
    return weights >= WEBGPU_MLP_PARAMETERS
        ? { faster: true, why: `${size} (at least ${WEBGPU_MLP_PARAMETERS / 1e6} M) run faster on a GPU: ${basis}` }
        : { faster: false, why: `${size} (under ${WEBGPU_MLP_PARAMETERS / 1e6} M) run faster on wasm: ${basis}` };
}
