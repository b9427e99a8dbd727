"""Report work from Python with the agent_tracker SDK (`pip install ./clients/python`).

    AGENT_TRACKER_URL=http://localhost:8000 AGENT_TRACKER_API_KEY=… \
    AGENT_TRACKER_PROJECT=my-app python scripts/python/report_task.py

Prints the id of each task it reports.
"""

import asyncio

from agent_tracker import AsyncTracker, Tracker, current_task

tracker = Tracker(agent="python-example")


@tracker.track("Summarise the inputs")
def summarise(inputs: list[str]) -> int:
    task = current_task()
    for done, _ in enumerate(inputs, start=1):
        task.progress(done * 100 // len(inputs), f"{done} of {len(inputs)} read")
    print(task.task_id)
    return len(inputs)


async def index_documents() -> None:
    async_tracker = AsyncTracker(agent="python-example")
    async with async_tracker.task("Index documents") as task:
        await task.progress(50, "half the documents indexed")
        print(task.task_id)


def main() -> None:
    with tracker.task("Process data", metadata={"source": "example"}) as task:
        task.progress(50, "halfway")
        print(task.task_id)
    summarise(["a.txt", "b.txt"])
    asyncio.run(index_documents())
    try:
        with tracker.task("Import data") as task:
            print(task.task_id)
            raise RuntimeError("the input file is empty")
    except RuntimeError:
        pass  # reported as an error with its type, message and stack trace, then re-raised


if __name__ == "__main__":
    main()
