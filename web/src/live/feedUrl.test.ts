import { describe, expect, it } from "vitest";
import { feedUrl } from "./feedUrl";

describe("feedUrl", () => {
  it("follows every project from the page's host, resuming after `since`", () => {
    expect(feedUrl({ protocol: "http:", host: "localhost:8000" }, "k-1", "17-2", [])).toBe(
      "ws://localhost:8000/webhook/ws?api_key=k-1&since=17-2",
    );
  });

  it("uses wss behind https and names projects when asked", () => {
    expect(
      feedUrl({ protocol: "https:", host: "tracker.example" }, "a b", null, ["p-1", "p&2"]),
    ).toBe("wss://tracker.example/webhook/ws?api_key=a+b&project=p-1&project=p%262");
  });
});
