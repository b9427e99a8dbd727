import { useWindowVirtualizer, type VirtualItem } from "@tanstack/react-virtual";
import { useLayoutEffect, useRef, useState } from "react";

export interface WindowList<E extends HTMLElement> {
  /** Put on the element where the list starts. */
  listRef: React.RefObject<E | null>;
  /** The items in or near the viewport; only these are rendered. */
  items: VirtualItem[];
  /** Put on each rendered item (with `data-index`) so that its real height is used. */
  measure: (element: Element | null) => void;
  /** Space the items before and after those rendered take, in pixels. */
  before: number;
  after: number;
  /** Where an item goes, from the list's start. */
  offset: (item: VirtualItem) => number;
  totalSize: number;
}

/** A list that scrolls with the page and renders only the rows in view (TanStack Virtual). */
export function useWindowList<E extends HTMLElement>(
  count: number,
  key: (index: number) => string,
  estimatedSize: number,
): WindowList<E> {
  const listRef = useRef<E>(null);
  const [margin, setMargin] = useState(0);
  // Where the list starts on the page: measured when its length or the window changes, not on
  // every render (each measurement forces a layout).
  useLayoutEffect(() => {
    const measure = () => {
      const element = listRef.current;
      if (!element) return;
      const top = element.getBoundingClientRect().top + globalThis.scrollY;
      setMargin((current) => (Math.abs(top - current) > 0.5 ? top : current));
    };
    measure();
    globalThis.addEventListener("resize", measure);
    return () => globalThis.removeEventListener("resize", measure);
  }, [count]);
  const virtualizer = useWindowVirtualizer({
    count,
    estimateSize: () => estimatedSize,
    getItemKey: key,
    overscan: 6,
    scrollMargin: margin,
  });
  const items = virtualizer.getVirtualItems();
  const totalSize = virtualizer.getTotalSize();
  const first = items[0];
  const last = items.at(-1);
  return {
    listRef,
    items,
    measure: virtualizer.measureElement,
    before: first ? first.start - margin : 0,
    after: last ? Math.max(0, totalSize - (last.end - margin)) : 0,
    offset: (item) => item.start - margin,
    totalSize,
  };
}
