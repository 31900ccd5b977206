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
export function argsortDescendingStable(keys) {
    const order = Array.from({ length: keys.length }, (_, i) => i);
    order.sort((i, j) => (before(keys[i], keys[j]) ? -1 : before(keys[j], keys[i]) ? 1 : i - j));
    return Int32Array.from(order);
}
/** Indices of `keys` sorted by decreasing key, NaN first, ties in the order std::sort leaves them. */
export function argsortDescendingUnstable(keys) {
    const sorter = new IntroSort(keys.slice(), Int32Array.from({ length: keys.length }, (_, i) => i));
    sorter.sort();
    return sorter.index;
}
/** KeyValueCompDesc: a goes before b. */
function before(a, b) {
    return (Number.isNaN(a) && !Number.isNaN(b)) || a > b;
}
const THRESHOLD = 16; // libstdc++ _S_threshold
/** libstdc++ std::sort over (key, index) pairs held in two parallel arrays. */
class IntroSort {
    key;
    index;
    constructor(key, index) {
        this.key = key;
        this.index = index;
    }
    sort() {
        const n = this.key.length;
        if (n === 0)
            return;
        this.introsortLoop(0, n, 2 * (31 - Math.clz32(n))); // 2·std::__lg(n)
        this.finalInsertionSort(0, n);
    }
    less(a, b) {
        return before(this.key[a], this.key[b]);
    }
    swap(a, b) {
        const k = this.key[a];
        this.key[a] = this.key[b];
        this.key[b] = k;
        const i = this.index[a];
        this.index[a] = this.index[b];
        this.index[b] = i;
    }
    move(to, from) {
        this.key[to] = this.key[from];
        this.index[to] = this.index[from];
    }
    introsortLoop(first, last, depthLimit) {
        while (last - first > THRESHOLD) {
            if (depthLimit === 0) {
                this.heapSort(first, last);
                return;
            }
            depthLimit--;
            const cut = this.partitionPivot(first, last);
            this.introsortLoop(cut, last, depthLimit);
            last = cut;
        }
    }
    partitionPivot(first, last) {
        const mid = first + Math.floor((last - first) / 2);
        this.moveMedianToFirst(first, first + 1, mid, last - 1);
        return this.unguardedPartition(first + 1, last, first);
    }
    moveMedianToFirst(result, a, b, c) {
        if (this.less(a, b)) {
            if (this.less(b, c))
                this.swap(result, b);
            else if (this.less(a, c))
                this.swap(result, c);
            else
                this.swap(result, a);
        }
        else if (this.less(a, c))
            this.swap(result, a);
        else if (this.less(b, c))
            this.swap(result, c);
        else
            this.swap(result, b);
    }
    unguardedPartition(first, last, pivot) {
        for (;;) {
            while (this.less(first, pivot))
                first++;
            last--;
            while (this.less(pivot, last))
                last--;
            if (!(first < last))
                return first;
            this.swap(first, last);
            first++;
        }
    }
    finalInsertionSort(first, last) {
        if (last - first > THRESHOLD) {
            this.insertionSort(first, first + THRESHOLD);
            for (let i = first + THRESHOLD; i < last; i++)
                this.unguardedLinearInsert(i);
        }
        else {
            this.insertionSort(first, last);
        }
    }
    insertionSort(first, last) {
        for (let i = first + 1; i < last; i++) {
            if (this.less(i, first)) {
                const k = this.key[i];
                const v = this.index[i];
                for (let j = i; j > first; j--)
                    this.move(j, j - 1);
                this.key[first] = k;
                this.index[first] = v;
            }
            else {
                this.unguardedLinearInsert(i);
            }
        }
    }
    unguardedLinearInsert(last) {
        const k = this.key[last];
        const v = this.index[last];
        let next = last - 1;
        while (before(k, this.key[next])) {
            this.move(last, next);
            last = next;
            next--;
        }
        this.key[last] = k;
        this.index[last] = v;
    }
    // std::__partial_sort(first, last, last): make_heap, then sort_heap.
    heapSort(first, last) {
        const len = last - first;
        if (len >= 2) {
            for (let parent = Math.floor((len - 2) / 2);; parent--) {
                this.adjustHeap(first, parent, len, this.key[first + parent], this.index[first + parent]);
                if (parent === 0)
                    break;
            }
        }
        while (last - first > 1) {
            last--;
            const k = this.key[last];
            const v = this.index[last];
            this.move(last, first);
            this.adjustHeap(first, 0, last - first, k, v);
        }
    }
    adjustHeap(first, hole, len, k, v) {
        const top = hole;
        let child = hole;
        while (child < Math.floor((len - 1) / 2)) {
            child = 2 * (child + 1);
            if (this.less(first + child, first + child - 1))
                child--;
            this.move(first + hole, first + child);
            hole = child;
        }
        if ((len & 1) === 0 && child === Math.floor((len - 2) / 2)) {
            child = 2 * (child + 1);
            this.move(first + hole, first + child - 1);
            hole = child - 1;
        }
        // std::__push_heap
        let parent = Math.floor((hole - 1) / 2);
        while (hole > top && before(this.key[first + parent], k)) {
            this.move(first + hole, first + parent);
            hole = parent;
            parent = Math.floor((hole - 1) / 2);
        }
        this.key[first + hole] = k;
        this.index[first + hole] = v;
    }
}
//# sourceMappingURL=torch_sort.js.map