def logged(func):
    def wrapper(*args):
        record()
        return func(*args)
    return wrapper


def record():
    pass


@logged
def work():
    pass


def main():
    work()
