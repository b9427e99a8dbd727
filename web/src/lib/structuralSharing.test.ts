import { describe, expect, it } from "vitest";
import { shareUnchanged } from "./structuralSharing";

describe("shareUnchanged", () => {
  it("gives back the previous answer when nothing changed", () => {
    const previous = [{ project: "a", counts: [1, 2] }, { project: "b" }];
    const next = [{ project: "a", counts: [1, 2] }, { project: "b" }];
    expect(shareUnchanged(previous, next)).toBe(previous);
  });

  it("keeps the unchanged items and takes the changed ones", () => {
    const previous = [
      { project: "a", active: 1 },
      { project: "b", active: 2 },
    ];
    const next = [
      { project: "a", active: 1 },
      { project: "b", active: 3 },
    ];
    const shared = shareUnchanged(previous, next);
    expect(shared).not.toBe(previous);
    expect(shared[0]).toBe(previous[0]);
    expect(shared[1]).toEqual({ project: "b", active: 3 });
  });

  it("sees added, removed and reordered parts", () => {
    const one = { project: "a" };
    const two = { project: "b" };
    expect(shareUnchanged([one], [{ project: "a" }, two])).toEqual([one, two]);
    expect(shareUnchanged([one, two], [{ project: "a" }])).toEqual([one]);
    expect(shareUnchanged({ a: 1, b: 2 }, { a: 1 })).toEqual({ a: 1 });
    expect(shareUnchanged({ a: 1 }, { b: 1 })).toEqual({ b: 1 });
    const swapped = shareUnchanged([one, two], [{ project: "b" }, { project: "a" }]);
    expect(swapped).toEqual([two, one].map((item) => ({ ...item })));
  });

  it("tells null, arrays and objects apart", () => {
    expect(shareUnchanged(null, { a: null })).toEqual({ a: null });
    expect(shareUnchanged({ a: [] }, { a: {} })).toEqual({ a: {} });
    expect(shareUnchanged({ a: {} }, { a: [] })).toEqual({ a: [] });
    expect(shareUnchanged({ a: 1 }, { a: "1" })).toEqual({ a: "1" });
  });
});
