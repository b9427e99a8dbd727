import { Lock } from "lucide-react";
import { useMemo, useState } from "react";
import { notificationsPath, notifyApi, type ChannelList, type RuleList } from "@/api/notify";
import { useApiKey } from "@/auth/KeyContext";
import { ErrorBanner } from "@/components/ErrorBanner";
import { Breadcrumbs, PageHeader } from "@/components/PageHeader";
import { useAdminKey } from "@/hooks/useAdminKey";
import { useApi } from "@/hooks/useApi";
import { useDocumentTitle } from "@/hooks/useDocumentTitle";
import { projectPath } from "@/components/AppShell";
import { BudgetSettings } from "./BudgetSettings";
import { DeliveryLog } from "./DeliveryLog";
import { NotificationChannels } from "./NotificationChannels";
import { NotificationRules } from "./NotificationRules";

/** A project's notifications: where they go, when they are sent, and what was sent. Keys
 * without the admin scope see the settings but cannot change them. */
export function NotificationSettings({ project }: { project: string }) {
  useDocumentTitle(`${project} · Notifications`);
  const { apiKey } = useApiKey();
  const api = useMemo(() => notifyApi(project, apiKey ?? ""), [project, apiKey]);
  const admin = useAdminKey();
  const readOnly = admin === false;
  const channels = useApi<ChannelList>(notificationsPath(project, "/channels"));
  const rules = useApi<RuleList>(notificationsPath(project, "/rules"));
  const [logRefresh, setLogRefresh] = useState(0);
  const channelList = channels.data?.items;
  const error = channels.error ?? rules.error;
  return (
    <>
      <PageHeader
        eyebrow={
          <Breadcrumbs
            trail={[
              { label: "Projects", href: "/" },
              { label: project, href: projectPath(project) },
            ]}
          />
        }
        title="Notifications"
        description="Webhooks, Slack and email when this project's tasks fail, go stale, wait for input or finish, or its budget runs out."
      />
      {readOnly && (
        <div
          role="note"
          data-testid="read-only"
          className="text-muted-foreground flex items-center gap-2 rounded-lg border px-4 py-3 text-sm"
        >
          <Lock className="size-4 shrink-0" />
          This key may read these settings but not change them: that takes a key with the admin
          scope.
        </div>
      )}
      {error && !channelList && (
        <ErrorBanner
          error={error}
          onRetry={() => {
            void channels.reload();
            void rules.reload();
          }}
        />
      )}
      <NotificationChannels
        channels={channelList}
        api={api}
        readOnly={readOnly}
        onChanged={() => {
          void channels.reload();
          setLogRefresh((n) => n + 1);
        }}
        onTested={() => {
          // The channel's last delivery and the log follow the test.
          void channels.reload();
          setLogRefresh((n) => n + 1);
        }}
      />
      <NotificationRules
        rules={rules.data?.items}
        channels={channelList ?? []}
        api={api}
        readOnly={readOnly}
        onSaved={() => void rules.reload()}
      />
      <BudgetSettings project={project} readOnly={readOnly} />
      <DeliveryLog project={project} channels={channelList ?? []} refresh={logRefresh} />
    </>
  );
}
