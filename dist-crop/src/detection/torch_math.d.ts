/**
 * Float32 elementary functions as PyTorch's CPU kernels compute them, where that differs from
 * rounding JavaScript's double-precision result.
 *
 * torch.exp on float32 runs SLEEF's expf_u10 (vectorized, AVX2 with FMA, in PyTorch 1.13 builds
 * without MKL such as the one the goldens come from), which is within 1 ulp but not correctly
 * rounded: fround(Math.exp(x)) differs from it for about 9 % of inputs. BoxCoder multiplies exp by
 * box sizes of hundreds of pixels, where one ulp is 6e-5..1e-4, so decoded boxes only agree with
 * torchvision to the bit (and NMS then makes the same decisions) with the same algorithm: Cody-Waite
 * reduction by ln 2, a degree-6 polynomial, scaling by 2^q. Matches torch on every one of 300,000
 * sampled inputs in [-103, 99].
 */
/** torch.round: to the nearest integer, halves to even. */
export declare function roundHalfEven(v: number): number;
/** torch.exp of a float32 value (SLEEF xexpf, u10). */
export declare function expf(d: number): number;
