from pkg import work


def main():
    work()
