def retry(func):
    def attempt():
        return func()
    return attempt


def fetch():
    pass


def main():
    safe = retry(fetch)
    safe()
