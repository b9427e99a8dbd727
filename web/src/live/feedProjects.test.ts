import { describe, expect, it } from "vitest";
import { FeedProjects } from "./feedProjects";

function loader(answers: (readonly string[] | Error)[]) {
  const calls: number[] = [];
  const load = () => {
    calls.push(calls.length);
    const answer = answers.shift() ?? [];
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  return { calls, load };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("FeedProjects", () => {
  it("never fetches the projects while the feed accepts the key", () => {
    const { calls, load } = loader([["a"]]);
    const feed = new FeedProjects(load);
    expect(feed.forAttempt(0)).toEqual([]);
    feed.opened();
    expect(feed.forAttempt(0)).toEqual([]);
    expect(feed.forAttempt(3)).toEqual([]);
    expect(calls).toEqual([]);
  });

  it("fetches them after a refusal and names them after two, then keeps naming", async () => {
    const { calls, load } = loader([["a", "b"]]);
    const feed = new FeedProjects(load);
    expect(feed.forAttempt(0)).toEqual([]);
    expect(feed.forAttempt(1)).toEqual([]);
    await settle();
    expect(calls).toHaveLength(1);
    expect(feed.forAttempt(2)).toEqual(["a", "b"]);
    feed.opened();
    expect(feed.forAttempt(0)).toEqual(["a", "b"]);
    expect(calls).toHaveLength(1);
  });

  it("tries the fetch again on the next refusal when it failed", async () => {
    const { calls, load } = loader([new Error("down"), ["a"]]);
    const feed = new FeedProjects(load);
    feed.forAttempt(1);
    await settle();
    expect(feed.forAttempt(2)).toEqual([]);
    await settle();
    expect(feed.forAttempt(3)).toEqual(["a"]);
    expect(calls).toHaveLength(2);
  });
});
