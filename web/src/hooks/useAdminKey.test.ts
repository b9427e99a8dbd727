import { describe, expect, it } from "vitest";
import { keyIsAdmin } from "./useAdminKey";

describe("keyIsAdmin", () => {
  it("trusts an answer, and a 403 as no admin scope", () => {
    expect(keyIsAdmin(true, undefined)).toBe(true);
    expect(keyIsAdmin(false, 403)).toBe(false);
  });

  it("cannot say before the answer or when the gateway could not", () => {
    expect(keyIsAdmin(false, undefined)).toBeUndefined();
    expect(keyIsAdmin(false, 404)).toBeUndefined();
    expect(keyIsAdmin(false, 0)).toBeUndefined();
  });
});
