/**
 * PyTorch's CPU `sort(descending=True)` of a float32 vector, as an index permutation.
 *
 * The order of tied keys is part of what detection returns (which of two equal-score boxes NMS keeps
 * first), and PyTorch 1.13 has two orders for it: `stable=True` is std::stable_sort (ties keep their
 * index order), while the default is std::sort, libstdc++'s introsort, whose order of ties follows
 * from its pivots. torchvision's nms kernel sorts stably; batched_nms's per-class path re-sorts the
 * kept scores with the default. Both use the comparator of ATen's KeyValueCompDesc: NaN first, then
 * larger first. `unstable` below is libstdc++'s algorithm step for step (median-of-three introsort
 * down to runs of 16, heapsort when the depth budget runs out, one final insertion sort), so ties
 * come out in the order torch gives them.
 */
/** Indices of `keys` sorted by decreasing key, NaN first; ties keep increasing index order. */
export declare function argsortDescendingStable(keys: Float32Array): Int32Array;
/** Indices of `keys` sorted by decreasing key, NaN first, ties in the order std::sort leaves them. */
export declare function argsortDescendingUnstable(keys: Float32Array): Int32Array;
