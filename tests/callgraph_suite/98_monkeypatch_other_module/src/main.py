import service


def fake_fetch():
    pass


service.fetch = fake_fetch


def main():
    service.fetch()
