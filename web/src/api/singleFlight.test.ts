import { describe, expect, it } from "vitest";
import { SingleFlight } from "./singleFlight";

/** Requests whose answers the test releases one by one. */
function pendingRequests() {
  const answers: (() => void)[] = [];
  const handled: number[] = [];
  let asked = 0;
  const run = (signal: AbortSignal) => {
    const n = ++asked;
    return new Promise<void>((resolve) => {
      answers.push(() => {
        if (!signal.aborted) handled.push(n);
        resolve();
      });
    });
  };
  return { answers, handled, run, asked: () => asked };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("SingleFlight", () => {
  it("runs one more request after the one in flight, however often asked meanwhile", async () => {
    const requests = pendingRequests();
    const flight = new SingleFlight(requests.run);
    const first = flight.request();
    const later = [flight.request(), flight.request(), flight.request()];
    expect(requests.asked()).toBe(1);
    requests.answers[0]();
    await first;
    await settle();
    expect(requests.asked()).toBe(2);
    requests.answers[1]();
    await Promise.all(later);
    expect(requests.handled).toEqual([1, 2]);
    flight.request();
    expect(requests.asked()).toBe(3);
  });

  it("drops the answer in flight once aborted, and asks nothing more", async () => {
    const requests = pendingRequests();
    const flight = new SingleFlight(requests.run);
    void flight.request();
    void flight.request();
    flight.abort();
    requests.answers[0]();
    await settle();
    expect(requests.handled).toEqual([]);
    expect(requests.asked()).toBe(1);
  });

  it("asks again after a failure", async () => {
    let calls = 0;
    const flight = new SingleFlight(() => {
      calls += 1;
      return Promise.reject(new Error("down"));
    });
    await flight.request();
    await flight.request();
    expect(calls).toBe(2);
  });
});
