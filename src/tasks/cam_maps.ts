/**
 * The arithmetic of class activation maps, on plain arrays. For one image, A = a stage's output
 * (C, h, w), k = the target class, g = d logit_k / dA:
 *   cam        Σ_c fc.weight[k, c] · A_c                      (layer4 with the average-pool head only)
 *   gradcam    ReLU(Σ_c mean_ij(g_c) · A_c)                   (Selvaraju et al., 2017)
 *   gradcam++  α = g² / (2g² + Σ_ij(A_c) · g³ + 1e-6), α = 0 where g = 0,
 *              ReLU(Σ_c Σ_ij(ReLU(g) · α)_c · A_c)            (Chattopadhyay et al.; pytorch-grad-cam's form)
 * Each map is then min-max normalized to [0, 1] (all zeros when it is constant).
 */

export const CAM_METHODS = ['cam', 'gradcam', 'gradcam++'] as const;
export type CamMethod = (typeof CAM_METHODS)[number];

/**
 * The weight of each of the C channels of A (C, HW): the fc row (C) for 'cam' (or when there are no
 * gradients), else from the gradients g (C, HW) as the method says.
 */
export function channelWeights(
  method: CamMethod,
  A: Float32Array,
  g: Float32Array | null,
  fcRow: Float32Array,
  C: number,
  HW: number,
): Float64Array {
  const weights = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const a = A.subarray(c * HW, (c + 1) * HW);
    if (method === 'cam' || g === null) {
      weights[c] = fcRow[c];
      continue;
    }
    const gc = g.subarray(c * HW, (c + 1) * HW);
    if (method === 'gradcam') {
      let sum = 0;
      for (let i = 0; i < HW; i++) sum += gc[i];
      weights[c] = sum / HW;
      continue;
    }
    let sumA = 0;
    for (let i = 0; i < HW; i++) sumA += a[i];
    let w = 0;
    for (let i = 0; i < HW; i++) {
      const gi = gc[i];
      if (gi <= 0) continue; // ReLU(g) · α is zero there (α = 0 where g = 0)
      const g2 = gi * gi;
      w += (gi * g2) / (2 * g2 + sumA * g2 * gi + 1e-6);
    }
    weights[c] = w;
  }
  return weights;
}

/** One image's map (HW) from its activations A (C, HW), gradients g (C, HW) or the fc row (C), normalized. */
export function activationMap(
  method: CamMethod,
  A: Float32Array,
  g: Float32Array | null,
  fcRow: Float32Array,
  C: number,
  HW: number,
): Float32Array {
  const weights = channelWeights(method, A, g, fcRow, C, HW);
  const map = new Float64Array(HW);
  for (let c = 0; c < C; c++) {
    const wc = weights[c];
    if (wc === 0) continue;
    const a = A.subarray(c * HW, (c + 1) * HW);
    for (let i = 0; i < HW; i++) map[i] += wc * a[i];
  }
  if (method !== 'cam') for (let i = 0; i < HW; i++) map[i] = Math.max(0, map[i]);
  return normalizeMap(map);
}

/** (map − min) / (max − min), or all zeros for a constant map. */
export function normalizeMap(map: ArrayLike<number>): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < map.length; i++) {
    lo = Math.min(lo, map[i]);
    hi = Math.max(hi, map[i]);
  }
  const out = new Float32Array(map.length);
  if (!(hi > lo)) return out;
  for (let i = 0; i < map.length; i++) out[i] = (map[i] - lo) / (hi - lo);
  return out;
}
