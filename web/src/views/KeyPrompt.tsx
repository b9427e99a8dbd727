import { KeyRound, Loader2 } from "lucide-react";
import { useState, type FormEvent } from "react";
import { ApiError, apiGet } from "@/api/client";
import { useApiKey } from "@/auth/KeyContext";
import { ThemeToggle } from "@/components/ThemeToggle";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";

function refusal(error: unknown): string {
  if (!(error instanceof ApiError)) return String(error);
  if (error.status === 401) return "That key was not accepted. Check it and try again.";
  if (error.status === 403)
    return "That key cannot read the dashboard: it needs the read or admin scope.";
  return error.message;
}

/** Asks for the API key once; it is checked against the API before it is kept. */
export function KeyPrompt() {
  const { signIn, notice } = useApiKey();
  const [key, setKey] = useState("");
  const [checking, setChecking] = useState(false);
  const [problem, setProblem] = useState<string | null>(notice);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const candidate = key.trim();
    if (!candidate) {
      setProblem("Enter an API key.");
      return;
    }
    setChecking(true);
    setProblem(null);
    try {
      await apiGet("/api/projects", candidate);
      signIn(candidate);
    } catch (error) {
      setProblem(refusal(error));
      setChecking(false);
    }
  }

  return (
    <div className="relative flex min-h-svh items-center justify-center bg-gradient-to-b from-primary/10 via-background to-background px-4">
      <div className="absolute top-4 right-4">
        <ThemeToggle />
      </div>
      <Card className="w-full max-w-sm shadow-lg">
        <CardHeader className="items-center text-center">
          <div className="bg-primary/10 text-primary mx-auto mb-2 flex size-12 items-center justify-center rounded-xl">
            <KeyRound className="size-6" />
          </div>
          <CardTitle className="text-xl">Agent Task Tracker</CardTitle>
          <CardDescription>
            Enter an API key with read access to watch your agents live.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <form onSubmit={submit} className="flex flex-col gap-3" noValidate>
            <label htmlFor="api-key" className="text-sm font-medium">
              API key
            </label>
            <Input
              id="api-key"
              name="api-key"
              type="password"
              autoComplete="current-password"
              autoFocus
              value={key}
              onChange={(event) => setKey(event.target.value)}
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? "api-key-problem" : undefined}
              placeholder="Paste your key"
            />
            {problem && (
              <p id="api-key-problem" role="alert" className="text-destructive text-sm">
                {problem}
              </p>
            )}
            <Button type="submit" disabled={checking} className="mt-1">
              {checking && <Loader2 className="animate-spin" />}
              Open dashboard
            </Button>
            <p className="text-muted-foreground text-xs leading-relaxed">
              The key stays in this browser. <code className="font-mono">make run</code> keeps a
              generated one in <code className="font-mono">.data/api-key</code>.
            </p>
          </form>
        </CardContent>
      </Card>
    </div>
  );
}
