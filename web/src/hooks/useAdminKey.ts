import { useApi } from "@/hooks/useApi";
import { DEAD_LETTER_SUMMARY_PATH } from "@/lib/deadLetters";

/** Whether the stored key has the admin scope, as the gateway says: only admin keys may read
 * the dead letters (403 for the others). Undefined until it answered, or when it could not
 * say (the route missing, the gateway away): the forms then stay usable and the service
 * itself refuses a change the key may not make. */
export function useAdminKey(): boolean | undefined {
  const probe = useApi<unknown>(DEAD_LETTER_SUMMARY_PATH);
  return keyIsAdmin(probe.data !== undefined, probe.error?.status);
}

export function keyIsAdmin(answered: boolean, status: number | undefined): boolean | undefined {
  if (answered) return true;
  return status === 403 ? false : undefined;
}
