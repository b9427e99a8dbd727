/** Which slice of the project summaries a scrolled list needs, and how a grid of cards is cut
 * into rows: pure functions, so that lists of hundreds of projects ask only for what is shown. */

export const PROJECT_SUMMARY_PATH = "/api/stats/projects/summary";
export const TOTAL_COUNT_HEADER = "X-Total-Count";

export interface PageWindow {
  offset: number;
  limit: number;
}

/** The whole pages of `pageSize` items that cover items `first` to `last` (inclusive): the
 * window moves, and a request is made, only when the shown items cross a page boundary. */
export function pageWindow(first: number, last: number, pageSize: number): PageWindow {
  const firstPage = Math.floor(Math.max(0, first) / pageSize);
  const lastPage = Math.max(firstPage, Math.floor(Math.max(0, last) / pageSize));
  return { offset: firstPage * pageSize, limit: (lastPage - firstPage + 1) * pageSize };
}

/** Cards per row at a viewport `width`: the grid's `sm:grid-cols-2 xl:grid-cols-3`. */
export function gridColumns(width: number): number {
  if (width >= 1280) return 3;
  if (width >= 640) return 2;
  return 1;
}

/** The item indexes in grid row `row` of `count` items laid out `columns` per row. */
export function rowItems(row: number, columns: number, count: number): number[] {
  const start = row * columns;
  const end = Math.min(start + columns, count);
  return Array.from({ length: Math.max(0, end - start) }, (_, n) => start + n);
}

/** The item range of the rows `firstRow` to `lastRow`, for `pageWindow`. */
export function itemRange(
  firstRow: number,
  lastRow: number,
  columns: number,
): { first: number; last: number } {
  return { first: firstRow * columns, last: (lastRow + 1) * columns - 1 };
}

/** The `X-Total-Count` header as a number; undefined while unknown or unreadable. */
export function totalCount(headers: Headers | undefined): number | undefined {
  const value = Number(headers?.get(TOTAL_COUNT_HEADER) ?? Number.NaN);
  return Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** A page of items with the offset it was asked at: item `index` if the page holds it. */
export interface LoadedPage<T> {
  offset: number;
  items: T[];
}

export function itemAt<T>(
  pages: readonly (LoadedPage<T> | undefined)[],
  index: number,
): T | undefined {
  for (const page of pages) {
    if (page && index >= page.offset && index < page.offset + page.items.length) {
      return page.items[index - page.offset];
    }
  }
  return undefined;
}
