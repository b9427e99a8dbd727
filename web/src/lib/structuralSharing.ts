/** Structural sharing for JSON answers: `next`, with every part that equals the same part of
 * `previous` replaced by the earlier object. A reload that changed one project of a page then
 * hands React the same objects for the others, so memoized rows skip them, and an unchanged
 * answer comes back as `previous` itself. (The rule TanStack Query applies to its answers.) */
export function shareUnchanged<T>(previous: unknown, next: T): T {
  if (previous === next) return next;
  if (Array.isArray(previous) && Array.isArray(next)) {
    const shared = next.map((item, index) => shareUnchanged(previous[index], item));
    const same =
      previous.length === shared.length && shared.every((item, index) => item === previous[index]);
    return (same ? previous : shared) as T;
  }
  if (isPlainObject(previous) && isPlainObject(next)) {
    const keys = Object.keys(next);
    const shared: Record<string, unknown> = {};
    for (const key of keys) shared[key] = shareUnchanged(previous[key], next[key]);
    const same =
      Object.keys(previous).length === keys.length &&
      keys.every((key) => key in previous && shared[key] === previous[key]);
    return (same ? previous : shared) as T;
  }
  return next;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
