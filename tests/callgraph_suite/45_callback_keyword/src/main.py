def download(url, on_done=None):
    on_done(url)


def notify(url):
    pass


def main():
    download("x", on_done=notify)
