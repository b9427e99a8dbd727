import { useEffect } from "react";

const PRODUCT = "Agent Task Tracker";

/** The browser tab names the view: "checkout-service · Agent Task Tracker". */
export function useDocumentTitle(view: string | null): void {
  useEffect(() => {
    document.title = view ? `${view} · ${PRODUCT}` : PRODUCT;
  }, [view]);
}
