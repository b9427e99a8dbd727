import { useRef } from "react";
import type { ProjectSummary } from "@/api/types";
import { useApi } from "@/hooks/useApi";
import {
  PROJECT_SUMMARY_PATH,
  itemAt,
  pageWindow,
  totalCount,
  type LoadedPage,
} from "@/lib/summaryPages";

export interface SummaryQuery {
  /** Part of the project name, ignoring case; empty for every project. */
  q?: string;
  sort: "recent" | "name";
  /** The first and last item shown (inclusive), overscan included. */
  first: number;
  last: number;
  pageSize: number;
}

export interface ProjectSummaries {
  /** Matching projects over all pages; undefined until the first answer. */
  total: number | undefined;
  /** The project at `index`, from the window shown or, while it loads, the one before. */
  at: (index: number) => ProjectSummary | undefined;
  loading: boolean;
  error: ReturnType<typeof useApi>["error"];
  reload: () => void;
}

/** The project summaries a scrolled list shows: one request for the whole pages around what
 * is on screen, made again only when they change or on `reload`. */
export function useProjectSummaries({
  q,
  sort,
  first,
  last,
  pageSize,
}: SummaryQuery): ProjectSummaries {
  const { offset, limit } = pageWindow(first, last, pageSize);
  const answer = useApi<ProjectSummary[]>(PROJECT_SUMMARY_PATH, { q, sort, offset, limit });
  // An answer belongs to the window asked last (useApi drops the answers to older ones); the
  // previous answer stays shown for the items it holds until the new window arrives.
  const pages = useRef<{
    current?: LoadedPage<ProjectSummary>;
    previous?: LoadedPage<ProjectSummary>;
    data?: ProjectSummary[];
    query?: string;
  }>({});
  const query = `${q ?? ""}\n${sort}`;
  if (answer.data && answer.data !== pages.current.data) {
    const sameQuery = pages.current.query === query;
    pages.current = {
      current: { offset, items: answer.data },
      previous: sameQuery ? pages.current.current : undefined,
      data: answer.data,
      query,
    };
  }
  const shown = pages.current.query === query ? pages.current : {};
  const total = totalCount(answer.headers);
  return {
    total: shown.current ? total : undefined,
    at: (index) => itemAt([shown.current, shown.previous], index),
    loading: answer.loading,
    error: answer.error,
    reload: answer.reload,
  };
}
