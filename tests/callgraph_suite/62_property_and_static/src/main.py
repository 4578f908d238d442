class Box:
    @property
    def size(self):
        return compute()

    @staticmethod
    def make():
        return Box()


def compute():
    return 1


def main():
    Box.make()
