import { lazy, Suspense } from "react";
import { Toaster } from "sonner";
import { Route, Switch } from "wouter";
import { KeyProvider, useApiKey } from "@/auth/KeyContext";
import { AppShell } from "@/components/AppShell";
import { Skeleton } from "@/components/ui/skeleton";
import { TooltipProvider } from "@/components/ui/tooltip";
import { ThemeProvider, useTheme } from "@/hooks/useTheme";
import { routeParam } from "@/lib/routeParam";
import { LiveProvider } from "@/live/LiveContext";
import { Agents } from "@/views/Agents";
import { Inbox } from "@/views/Inbox";
import { KeyPrompt } from "@/views/KeyPrompt";
import { NotFound } from "@/views/NotFound";
import { Overview } from "@/views/Overview";
import { ProjectTasks } from "@/views/ProjectTasks";
import { TaskDetail } from "@/views/TaskDetail";

// The charts library is most of the bundle and only the statistics page draws charts: it loads
// with that page, not before the first screen.
const Statistics = lazy(() =>
  import("@/views/Statistics").then((module) => ({ default: module.Statistics })),
);

// Settings a few readers open now and then: not in the first screen's bundle either.
const NotificationSettings = lazy(() =>
  import("@/views/NotificationSettings").then((module) => ({
    default: module.NotificationSettings,
  })),
);

function Dashboard({ apiKey }: { apiKey: string }) {
  return (
    <LiveProvider apiKey={apiKey}>
      <AppShell>
        <Switch>
          <Route path="/">
            <Overview />
          </Route>
          <Route path="/projects/:name">
            {({ name }) => <ProjectTasks key={name} project={routeParam(name)} />}
          </Route>
          <Route path="/projects/:name/notifications">
            {({ name }) => (
              <Suspense fallback={<Skeleton className="h-96 rounded-xl" />}>
                <NotificationSettings key={name} project={routeParam(name)} />
              </Suspense>
            )}
          </Route>
          <Route path="/projects/:name/tasks/:taskId">
            {({ name, taskId }) => (
              <TaskDetail
                key={`${name}/${taskId}`}
                project={routeParam(name)}
                taskId={routeParam(taskId)}
              />
            )}
          </Route>
          <Route path="/inbox">
            <Inbox />
          </Route>
          <Route path="/agents">
            <Agents />
          </Route>
          <Route path="/stats">
            <Suspense fallback={<Skeleton className="h-96 rounded-xl" />}>
              <Statistics />
            </Suspense>
          </Route>
          <Route>
            <NotFound />
          </Route>
        </Switch>
      </AppShell>
    </LiveProvider>
  );
}

function Gate() {
  const { apiKey } = useApiKey();
  return apiKey ? <Dashboard key={apiKey} apiKey={apiKey} /> : <KeyPrompt />;
}

function ThemedToaster() {
  const { theme } = useTheme();
  return <Toaster theme={theme} position="bottom-right" richColors closeButton />;
}

export function App() {
  return (
    <ThemeProvider>
      <KeyProvider>
        <TooltipProvider>
          <Gate />
          <ThemedToaster />
        </TooltipProvider>
      </KeyProvider>
    </ThemeProvider>
  );
}
