export function accumulate(target, source) {
    const t = target.data;
    const s = source.data;
    for (let i = 0; i < t.length; i++)
        t[i] += s[i];
}
//# sourceMappingURL=accumulate.js.map