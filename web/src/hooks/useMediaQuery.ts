import { useMemo, useSyncExternalStore } from "react";

/** Whether the media query matches now, kept current. */
export function useMediaQuery(query: string): boolean {
  const list = useMemo(() => globalThis.matchMedia(query), [query]);
  return useSyncExternalStore(
    (changed) => {
      list.addEventListener("change", changed);
      return () => list.removeEventListener("change", changed);
    },
    () => list.matches,
  );
}
