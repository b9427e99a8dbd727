/** Requests to the REST API with the key in `X-API-Key`; failures become `ApiError`. */

export type QueryValue = string | number | boolean | null | undefined | readonly string[];
export type QueryParams = Record<string, QueryValue>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

const UNREACHABLE = "The server cannot be reached. Is the gateway running?";

export interface ApiResponse<T> {
  data: T;
  headers: Headers;
}

/** `path?a=1&status=x&status=y`, leaving out empty values. */
export function withQuery(path: string, params: QueryParams = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value == null || value === "") continue;
    if (Array.isArray(value)) for (const item of value) search.append(name, item);
    else search.append(name, String(value));
  }
  const query = search.toString();
  return query ? `${path}?${query}` : path;
}

export async function apiGet<T>(
  path: string,
  apiKey: string,
  params: QueryParams = {},
  signal?: AbortSignal,
): Promise<ApiResponse<T>> {
  let response: Response;
  try {
    response = await fetch(withQuery(path, params), {
      headers: { "X-API-Key": apiKey, Accept: "application/json" },
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, UNREACHABLE);
  }
  if (!response.ok) throw new ApiError(response.status, await describeFailure(response));
  return { data: (await response.json()) as T, headers: response.headers };
}

/** A change (`POST`, `PUT`, `PATCH`, `DELETE`) with a JSON body; the answer's JSON, or
 * undefined for 204 No Content. */
export async function apiSend<T>(
  method: "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  apiKey: string,
  body?: unknown,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        "X-API-Key": apiKey,
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, UNREACHABLE);
  }
  if (!response.ok) throw new ApiError(response.status, await describeFailure(response));
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** The API's own words: `{"detail": "..."}` or a validation error naming the field. */
async function describeFailure(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { detail?: unknown };
    const detail = body.detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail) && detail.length > 0) {
      const first = detail[0] as { loc?: unknown[]; msg?: string };
      const field = first.loc?.slice(1).join(".");
      return field ? `${field}: ${first.msg}` : (first.msg ?? response.statusText);
    }
  } catch {
    // not JSON: fall back to the status line
  }
  return `${response.status} ${response.statusText}`.trim();
}
