import { AlertTriangle, RotateCw } from "lucide-react";
import type { ApiError } from "@/api/client";
import { Button } from "@/components/ui/button";

function explain(error: ApiError): string {
  if (error.status === 403) return `This key may not see this: ${error.message}`;
  if (error.status === 404) return error.message || "Not found.";
  return error.message;
}

export function ErrorBanner({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  return (
    <div
      role="alert"
      className="flex items-start gap-3 rounded-lg border border-red-500/30 bg-red-500/5 px-4 py-3 text-sm text-red-800 dark:text-red-200"
    >
      <AlertTriangle className="mt-0.5 size-4 shrink-0" />
      <div className="flex-1">{explain(error)}</div>
      {onRetry && (
        <Button variant="ghost" size="sm" className="-my-1" onClick={onRetry}>
          <RotateCw /> Retry
        </Button>
      )}
    </div>
  );
}
