"""Domain errors of the query service; each is mapped to an HTTP answer once, in the app."""


class ProjectNotFound(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"Project '{name}' not found")
        self.name = name


class TaskNotFound(Exception):
    def __init__(self, project: str, task_id: str) -> None:
        super().__init__(f"Task '{task_id}' not found in project '{project}'")


class AgentNotFound(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"Agent '{name}' not found")


class DeadLetterNotFound(Exception):
    def __init__(self, letter_id: str) -> None:
        super().__init__(
            f"Dead letter '{letter_id}' not found: re-driven or discarded already, or never there"
        )
