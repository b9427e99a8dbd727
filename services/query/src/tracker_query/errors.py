"""Domain errors of the query service; each is mapped to an HTTP answer once, in the app."""


class ProjectNotFound(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"Project '{name}' not found")
        self.name = name
