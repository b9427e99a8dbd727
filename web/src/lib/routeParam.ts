/** A name as it was before `encodeURIComponent` put it in the URL. The router decodes only
 * what `decodeURI` does, which leaves `&`, `?`, `#`, `+`, `,` and the like encoded. */
export function routeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
