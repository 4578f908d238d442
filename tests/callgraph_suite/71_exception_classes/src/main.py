class AppError(Exception):
    def __init__(self, message):
        super().__init__(message)


def check(value):
    if not value:
        raise AppError("empty")
    raise ValueError("bad")
