import { describe, expect, it } from "vitest";
import { gridColumns, itemAt, itemRange, pageWindow, rowItems, totalCount } from "./summaryPages";

describe("pageWindow", () => {
  it("covers the shown items with whole pages", () => {
    expect(pageWindow(0, 11, 48)).toEqual({ offset: 0, limit: 48 });
    expect(pageWindow(40, 60, 48)).toEqual({ offset: 0, limit: 96 });
    expect(pageWindow(50, 60, 48)).toEqual({ offset: 48, limit: 48 });
  });

  it("stays the same while the shown items stay within the same pages", () => {
    expect(pageWindow(3, 20, 48)).toEqual(pageWindow(10, 47, 48));
  });

  it("asks for one page when nothing is shown yet or the range is reversed", () => {
    expect(pageWindow(0, -1, 48)).toEqual({ offset: 0, limit: 48 });
    expect(pageWindow(100, 50, 48)).toEqual({ offset: 96, limit: 48 });
  });
});

describe("grid rows", () => {
  it.each([
    [375, 1],
    [640, 2],
    [1279, 2],
    [1280, 3],
    [2560, 3],
  ])("a %d px viewport has %d columns", (width, columns) => {
    expect(gridColumns(width)).toBe(columns);
  });

  it("cuts items into rows, the last one short", () => {
    expect(rowItems(0, 3, 7)).toEqual([0, 1, 2]);
    expect(rowItems(2, 3, 7)).toEqual([6]);
    expect(rowItems(3, 3, 7)).toEqual([]);
  });

  it("turns rows into the items they hold", () => {
    expect(itemRange(2, 4, 3)).toEqual({ first: 6, last: 14 });
  });
});

describe("loaded pages", () => {
  const pages = [
    { offset: 48, items: ["x48", "x49"] },
    { offset: 0, items: ["a0", "a1", "a48"] },
  ];

  it("finds an item in the first page that holds it", () => {
    expect(itemAt(pages, 1)).toBe("a1");
    expect(itemAt(pages, 49)).toBe("x49");
    expect(itemAt([undefined, ...pages], 0)).toBe("a0");
  });

  it("has nothing for an index no page holds", () => {
    expect(itemAt(pages, 3)).toBeUndefined();
    expect(itemAt(pages, 50)).toBeUndefined();
  });

  it("reads the total count header", () => {
    expect(totalCount(new Headers({ "X-Total-Count": "412" }))).toBe(412);
    expect(totalCount(new Headers())).toBeUndefined();
    expect(totalCount(new Headers({ "X-Total-Count": "many" }))).toBeUndefined();
    expect(totalCount(undefined)).toBeUndefined();
  });
});
