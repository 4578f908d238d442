from pkg.mod import work


def main():
    work()
