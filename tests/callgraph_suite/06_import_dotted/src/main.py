import pkg.sub.mod


def main():
    pkg.sub.mod.work()
