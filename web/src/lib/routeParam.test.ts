import { describe, expect, it } from "vitest";
import { routeParam } from "./routeParam";

describe("routeParam", () => {
  it("decodes what the router left encoded", () => {
    // The router has already turned %20 into a space; %26 it leaves alone.
    expect(routeParam(decodeURI(encodeURIComponent("a b&c?d#e")))).toBe("a b&c?d#e");
  });

  it("keeps a name that is no longer valid escaping as it is", () => {
    expect(routeParam("100%")).toBe("100%");
    expect(routeParam("my.app")).toBe("my.app");
  });
});
