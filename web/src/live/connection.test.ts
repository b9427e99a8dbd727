import { beforeEach, describe, expect, it } from "vitest";
import {
  backoffDelayMs,
  LiveConnection,
  type ConnectionStatus,
  type SocketLike,
} from "./connection";
import { ManualClock } from "@/testing/manualClock";
import type { BudgetCrossedMessage, TaskMessage } from "./messages";

class FakeSocket implements SocketLike {
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  closed: { code?: number; reason?: string } | null = null;
  constructor(readonly url: string) {}
  open() {
    this.onopen?.({});
  }
  send(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code = 1006) {
    this.onclose?.({ code, reason: "" });
  }
  close(code?: number, reason?: string) {
    this.closed = { code, reason };
  }
}

function task(id: string, taskId = "t-1"): TaskMessage {
  return {
    type: "task_status",
    id,
    timestamp: "2026-01-01T10:00:00Z",
    data: { task_id: taskId, title: "T", project: "p", agent: "a", status: "running", progress: 5 },
  };
}

describe("LiveConnection", () => {
  let sockets: FakeSocket[];
  let clock: ManualClock;
  let received: TaskMessage[];
  let statuses: ConnectionStatus[];
  let resyncs: string[];
  let notices: BudgetCrossedMessage[];
  let connection: LiveConnection;

  beforeEach(() => {
    sockets = [];
    clock = new ManualClock();
    received = [];
    statuses = [];
    resyncs = [];
    notices = [];
    connection = new LiveConnection({
      url: (since) => (since ? `ws://x/webhook/ws?since=${since}` : "ws://x/webhook/ws"),
      onTask: (message) => received.push(message),
      onStatus: (status) => statuses.push(status),
      onResync: (reason) => resyncs.push(reason),
      onNotice: (message) => notices.push(message),
      openSocket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      silenceLimitMs: 45_000,
      retryDelayMs: () => 1000,
      timers: clock,
    });
    connection.start();
  });

  it("delivers task messages and remembers the last position", () => {
    sockets[0].open();
    sockets[0].send(task("100-0"));
    sockets[0].send(task("101-3"));
    expect(received.map((m) => m.id)).toEqual(["100-0", "101-3"]);
    expect(connection.lastId).toBe("101-3");
    expect(statuses).toEqual(["connecting", "live"]);
  });

  it("resumes after the last id when the connection drops", () => {
    sockets[0].open();
    sockets[0].send(task("100-0"));
    sockets[0].drop();
    expect(statuses.at(-1)).toBe("reconnecting");
    clock.advance(999);
    expect(sockets).toHaveLength(1);
    clock.advance(1);
    expect(sockets[1].url).toBe("ws://x/webhook/ws?since=100-0");
    sockets[1].open();
    expect(statuses.at(-1)).toBe("live");
  });

  it("resumes from a heartbeat's newer position and never goes back", () => {
    sockets[0].open();
    sockets[0].send(task("100-0"));
    sockets[0].send({ type: "heartbeat", data: { last_id: "250-0" }, timestamp: "t" });
    expect(connection.lastId).toBe("250-0");
    sockets[0].send({ type: "heartbeat", data: { last_id: "99-0" }, timestamp: "t" });
    sockets[0].send({
      type: "replay_complete",
      data: { replayed: 0, last_id: null },
      timestamp: "t",
    });
    expect(connection.lastId).toBe("250-0");
  });

  it("skips events it already has when a replay repeats them", () => {
    sockets[0].open();
    sockets[0].send(task("100-0"));
    sockets[0].send(task("100-0"));
    sockets[0].send(task("99-5"));
    sockets[0].send(task("100-1"));
    expect(received.map((m) => m.id)).toEqual(["100-0", "100-1"]);
  });

  it("asks for a reload when the server cannot replay", () => {
    sockets[0].open();
    sockets[0].send({
      type: "resync_required",
      data: { reason: "history_trimmed", oldest_available: "500-0" },
      timestamp: "t",
    });
    expect(resyncs).toEqual(["history_trimmed"]);
  });

  it("hands budget notices on without moving the position", () => {
    sockets[0].open();
    sockets[0].send(task("100-0"));
    const crossed: BudgetCrossedMessage = {
      type: "budget_crossed",
      data: {
        project: "p",
        period: "month",
        period_start: "2026-12-01",
        threshold_percent: 80,
        amount: 10,
        spent: 8,
        currency: "USD",
        crossed_at: "t",
      },
      timestamp: "t",
    };
    sockets[0].send(crossed);
    expect(notices).toEqual([crossed]);
    expect(received).toHaveLength(1);
    expect(connection.lastId).toBe("100-0");
  });

  it("forgets a refused position, asks for a reload and reconnects from now", () => {
    sockets[0].open();
    sockets[0].send(task("100-0"));
    sockets[0].drop(1008);
    expect(resyncs).toEqual(["position_refused"]);
    clock.advance(1000);
    expect(sockets[1].url).toBe("ws://x/webhook/ws");
  });

  it("reconnects when heartbeats stop", () => {
    sockets[0].open();
    clock.advance(44_000);
    sockets[0].send({ type: "heartbeat", data: { last_id: "7-0" }, timestamp: "t" });
    clock.advance(44_000);
    expect(sockets[0].closed).toBeNull();
    clock.advance(1_000);
    expect(sockets[0].closed?.code).toBe(4000);
    clock.advance(1_000);
    expect(sockets[1].url).toBe("ws://x/webhook/ws?since=7-0");
  });

  it("ignores frames that are not messages", () => {
    sockets[0].open();
    sockets[0].onmessage?.({ data: "pong" });
    sockets[0].onmessage?.({ data: JSON.stringify({ type: "something_else", data: {} }) });
    expect(received).toEqual([]);
  });

  it("stays down once stopped", () => {
    sockets[0].open();
    connection.stop();
    expect(sockets[0].closed?.code).toBe(1000);
    sockets[0].drop();
    clock.advance(60_000);
    expect(sockets).toHaveLength(1);
    expect(statuses.at(-1)).toBe("stopped");
  });
});

describe("backoffDelayMs", () => {
  it("doubles from half a second up to fifteen", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(backoffDelayMs)).toEqual([
      500, 1000, 2000, 4000, 8000, 15000, 15000,
    ]);
  });
});
