import { describe, expect, it } from "vitest";
import { withQuery } from "./client";

describe("withQuery", () => {
  it("repeats list parameters and leaves out empty ones", () => {
    expect(
      withQuery("/api/projects/p/tasks", {
        status: ["running", "failed"],
        agent: "",
        q: "data load",
        limit: 50,
        cursor: null,
      }),
    ).toBe("/api/projects/p/tasks?status=running&status=failed&q=data+load&limit=50");
  });

  it("leaves a path without parameters alone", () => {
    expect(withQuery("/api/agents", {})).toBe("/api/agents");
  });
});
