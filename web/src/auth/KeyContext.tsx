import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { forgetKey, loadKey, saveKey } from "./storedKey";

interface KeyState {
  apiKey: string | null;
  /** Why the key was dropped, shown on the prompt. */
  notice: string | null;
  signIn: (key: string) => void;
  signOut: (notice?: string) => void;
}

const KeyContext = createContext<KeyState | null>(null);

export function KeyProvider({ children }: { children: ReactNode }) {
  const [apiKey, setApiKey] = useState<string | null>(loadKey);
  const [notice, setNotice] = useState<string | null>(null);
  const signIn = useCallback((key: string) => {
    saveKey(key);
    setNotice(null);
    setApiKey(key);
  }, []);
  const signOut = useCallback((why?: string) => {
    forgetKey();
    setNotice(why ?? null);
    setApiKey(null);
  }, []);
  const value = useMemo(
    () => ({ apiKey, notice, signIn, signOut }),
    [apiKey, notice, signIn, signOut],
  );
  return <KeyContext.Provider value={value}>{children}</KeyContext.Provider>;
}

export function useApiKey(): KeyState {
  const state = useContext(KeyContext);
  if (!state) throw new Error("useApiKey outside KeyProvider");
  return state;
}
