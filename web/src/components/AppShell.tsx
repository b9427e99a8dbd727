import { useVirtualizer } from "@tanstack/react-virtual";
import { BarChart3, Bot, FolderKanban, Inbox, KeyRound, LayoutDashboard, Menu } from "lucide-react";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { Link, useLocation } from "wouter";
import { useApiKey } from "@/auth/KeyContext";
import { SearchInput } from "@/components/SearchInput";
import { Button } from "@/components/ui/button";
import {
  Sheet,
  SheetContent,
  SheetDescription,
  SheetTitle,
  SheetTrigger,
} from "@/components/ui/sheet";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { useDebounced } from "@/hooks/useDebounced";
import { useInbox, useWaitNotifications } from "@/hooks/useInbox";
import { useLiveRefresh } from "@/hooks/useLiveRefresh";
import { useProjectSummaries } from "@/hooks/useProjectSummaries";
import { INBOX_COUNT_PAGE, inboxBadge } from "@/lib/inbox";
import { cn } from "@/lib/utils";
import { ConnectionIndicator } from "./ConnectionIndicator";
import { DeadLetterNotice } from "./DeadLetterNotice";
import { ThemeToggle } from "./ThemeToggle";

const SECTIONS = [
  { href: "/", label: "Overview", icon: LayoutDashboard, exact: true },
  { href: "/inbox", label: "Inbox", icon: Inbox, exact: false },
  { href: "/agents", label: "Agents", icon: Bot, exact: false },
  { href: "/stats", label: "Statistics", icon: BarChart3, exact: false },
];

export function projectPath(name: string): string {
  return `/projects/${encodeURIComponent(name)}`;
}

function Brand() {
  return (
    <Link href="/" className="flex items-center gap-2.5 px-2 font-semibold tracking-tight">
      <span className="bg-primary text-primary-foreground flex size-8 items-center justify-center rounded-lg shadow-sm">
        <svg
          viewBox="0 0 24 24"
          className="size-4"
          fill="none"
          stroke="currentColor"
          strokeWidth={3}
        >
          <path d="M5 13l4 4L19 7" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
      </span>
      <span className="leading-tight">
        Agent Task Tracker
        <span className="text-muted-foreground block text-xs font-normal">Live dashboard</span>
      </span>
    </Link>
  );
}

const linkClass = (active: boolean) =>
  cn(
    "flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium transition-colors",
    active
      ? "bg-accent text-accent-foreground"
      : "text-sidebar-foreground hover:bg-accent/60 hover:text-accent-foreground",
  );

/** Sidebar rows: a link 32 px high and the 2 px between two. */
const PROJECT_ROW_PX = 34;
const PROJECT_PAGE_SIZE = 100;

/** Projects by name, found by part of their name; only the rows in view are in the page. */
function ProjectList({ onNavigate }: { onNavigate?: () => void }) {
  const [location] = useLocation();
  const [search, setSearch] = useState("");
  const q = useDebounced(search.trim(), 250);
  const [shown, setShown] = useState({ first: 0, last: 0 });
  const projects = useProjectSummaries({ q, sort: "name", ...shown, pageSize: PROJECT_PAGE_SIZE });
  useLiveRefresh(projects.reload);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: projects.total ?? 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => PROJECT_ROW_PX,
    overscan: 10,
  });
  const rows = virtualizer.getVirtualItems();
  const first = rows[0]?.index ?? 0;
  const last = rows.at(-1)?.index ?? 0;
  useEffect(() => setShown({ first, last }), [first, last]);

  return (
    <div className="flex min-h-0 flex-1 flex-col gap-1">
      <div className="text-muted-foreground px-3 pb-1 text-xs font-medium tracking-wide uppercase">
        Projects
      </div>
      <div className="px-1 pb-1">
        <SearchInput
          label="Search projects"
          size="compact"
          placeholder="Search projects…"
          data-testid="project-search"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
      </div>
      <div ref={scroller} className="min-h-0 flex-1 overflow-y-auto">
        <div className="relative" style={{ height: virtualizer.getTotalSize() }}>
          {rows.map((row) => {
            const project = projects.at(row.index);
            if (!project) {
              return (
                <div
                  key={row.key}
                  className="absolute inset-x-0 top-0 px-3 py-1.5"
                  style={{ transform: `translateY(${row.start}px)`, height: PROJECT_ROW_PX - 2 }}
                >
                  <div className="bg-muted h-full animate-pulse rounded-md" />
                </div>
              );
            }
            const href = projectPath(project.project);
            return (
              <Link
                key={row.key}
                href={href}
                onClick={onNavigate}
                className={cn(
                  linkClass(location.startsWith(href)),
                  "absolute inset-x-0 top-0 py-1.5",
                )}
                style={{ transform: `translateY(${row.start}px)`, height: PROJECT_ROW_PX - 2 }}
              >
                <FolderKanban className="size-4 shrink-0 opacity-70" />
                <span className="truncate">{project.project}</span>
                {project.active_tasks > 0 && (
                  <span className="ml-auto rounded-full bg-blue-500/15 px-1.5 text-xs font-semibold text-blue-700 tabular-nums dark:text-blue-300">
                    {project.active_tasks}
                  </span>
                )}
              </Link>
            );
          })}
        </div>
        {projects.total === 0 && (
          <span className="text-muted-foreground px-3 text-sm">{q ? "No match" : "None yet"}</span>
        )}
      </div>
    </div>
  );
}

/** How many tasks need a person, kept current from the live feed. */
function InboxCount({ total }: { total: number | undefined }) {
  const badge = inboxBadge(total);
  if (!badge) return null;
  return (
    <span
      data-testid="inbox-count"
      data-count={total}
      aria-label={`${total} in the inbox`}
      className="ml-auto rounded-full bg-violet-500/15 px-1.5 text-xs font-semibold text-violet-700 tabular-nums dark:text-violet-300"
    >
      {badge}
    </span>
  );
}

function Navigation({ onNavigate, inboxTotal }: { onNavigate?: () => void; inboxTotal?: number }) {
  const [location] = useLocation();
  return (
    <nav className="flex min-h-0 flex-1 flex-col gap-6">
      <div className="flex flex-col gap-1">
        {SECTIONS.map(({ href, label, icon: Icon, exact }) => {
          const active = exact ? location === href : location.startsWith(href);
          return (
            <Link key={href} href={href} onClick={onNavigate} className={linkClass(active)}>
              <Icon className="size-4" />
              {label}
              {href === "/inbox" && <InboxCount total={inboxTotal} />}
            </Link>
          );
        })}
      </div>
      <ProjectList onNavigate={onNavigate} />
    </nav>
  );
}

function SignOutButton() {
  const { signOut } = useApiKey();
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <Button variant="ghost" size="icon" aria-label="Change API key" onClick={() => signOut()}>
          <KeyRound />
        </Button>
      </TooltipTrigger>
      <TooltipContent>Change API key</TooltipContent>
    </Tooltip>
  );
}

export function AppShell({ children }: { children: ReactNode }) {
  const [menuOpen, setMenuOpen] = useState(false);
  // One inbox request for the whole page, whichever navigation shows it.
  const inboxTotal = useInbox({ limit: INBOX_COUNT_PAGE }).data?.total;
  useWaitNotifications();
  return (
    <div className="flex min-h-svh">
      <aside className="bg-sidebar border-sidebar-border hidden w-64 shrink-0 border-r lg:block">
        <div className="sticky top-0 flex h-svh flex-col gap-6 px-3 py-5">
          <Brand />
          <Navigation inboxTotal={inboxTotal} />
        </div>
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="bg-background/80 sticky top-0 z-30 flex h-14 items-center gap-2 border-b px-4 backdrop-blur sm:px-6">
          <Sheet open={menuOpen} onOpenChange={setMenuOpen}>
            <SheetTrigger asChild>
              <Button variant="ghost" size="icon" className="lg:hidden" aria-label="Open menu">
                <Menu />
              </Button>
            </SheetTrigger>
            <SheetContent className="bg-sidebar gap-6 px-3 py-5">
              <SheetTitle className="sr-only">Navigation</SheetTitle>
              <SheetDescription className="sr-only">Views and projects</SheetDescription>
              <Brand />
              <Navigation inboxTotal={inboxTotal} onNavigate={() => setMenuOpen(false)} />
            </SheetContent>
          </Sheet>
          <span className="min-w-0 truncate text-sm font-semibold tracking-tight sm:text-base lg:hidden">
            Agent Task Tracker
          </span>
          <div className="ml-auto flex items-center gap-1.5">
            <DeadLetterNotice />
            <ConnectionIndicator />
            <ThemeToggle />
            <SignOutButton />
          </div>
        </header>
        <main className="mx-auto flex w-full max-w-7xl flex-1 flex-col gap-6 px-4 py-6 sm:px-6 lg:py-8">
          {children}
        </main>
      </div>
    </div>
  );
}
