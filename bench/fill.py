"""Fill the database with a history of a million tasks, the way it looks after months of use.

Rows are written in chunks straight into PostgreSQL (the pipeline would take hours to apply a
million tasks' events); the task-totals trigger runs for every row, as it does in production.
The newest tasks are still running; older ones completed, failed or went stale.
"""

import asyncpg

from tracker_localstack.databases import plain_dsn

CHUNK = 50_000
ACTIVE = 2_000  # the newest tasks are the ones still running

_TASKS = """
INSERT INTO tasks (project_id, task_id, title, agent_id, status, progress, started_at,
                   finished_at, duration_seconds, error_type, error_message, last_event_at,
                   updated_at)
SELECT project_ids[1 + i % cardinality(project_ids)],
       'task-' || i,
       (ARRAY['Build', 'Test', 'Deploy', 'Refactor', 'Review', 'Index', 'Summarise',
              'Translate', 'Scrape', 'Label'])[1 + i % 10]
           || ' ' || (ARRAY['feature', 'dataset', 'report', 'service', 'invoice batch',
                            'docs', 'pipeline', 'model', 'crawler', 'schema', 'dashboard',
                            'release'])[1 + (i / 10) % 12]
           || ' #' || i,
       agent_ids[1 + (i / 7) % cardinality(agent_ids)],
       status,
       CASE WHEN status = 'completed' THEN 100 ELSE (i * 37) % 100 END,
       started,
       CASE WHEN status IN ('completed', 'failed') THEN started + took END,
       CASE WHEN status = 'completed' AND i % 2 = 0 THEN extract(epoch FROM took) END,
       CASE WHEN status = 'failed' THEN (ARRAY['TimeoutError', 'ValueError', 'RuntimeError',
            'ConnectionError', 'KeyError'])[1 + i % 5] END,
       CASE WHEN status = 'failed' THEN 'planned failure of task ' || i END,
       started + took,
       started + took
FROM (
    SELECT i,
           now() - i * interval '2.5 seconds' - interval '1 minute' AS started,
           (5 + (i * 7919) % 3600) * interval '1 second' AS took,
           CASE WHEN i < $3 THEN CASE WHEN i % 4 = 0 THEN 'pending' ELSE 'running' END
                WHEN i % 100 < 80 THEN 'completed'
                WHEN i % 100 < 97 THEN 'failed'
                ELSE 'stale' END AS status
    FROM generate_series($1::bigint, $2::bigint - 1) AS i
) AS generated,
(SELECT array_agg(id ORDER BY id) AS project_ids FROM projects) AS p,
(SELECT array_agg(id ORDER BY id) AS agent_ids FROM agents) AS a
"""


async def fill_tasks(
    database_url: str, tasks: int, *, projects: int = 20, agents: int = 50
) -> None:
    connection = await asyncpg.connect(plain_dsn(database_url))
    try:
        await connection.execute(
            "INSERT INTO projects (name) SELECT 'project-' || n FROM generate_series(1, $1) n",
            projects,
        )
        await connection.execute(
            "INSERT INTO agents (name) SELECT 'agent-' || n FROM generate_series(1, $1) n",
            agents,
        )
        for first in range(0, tasks, CHUNK):
            await connection.execute(_TASKS, first, min(first + CHUNK, tasks), ACTIVE)
        await connection.execute("VACUUM ANALYZE tasks")
        await connection.execute("VACUUM ANALYZE task_totals")
    finally:
        await connection.close()
