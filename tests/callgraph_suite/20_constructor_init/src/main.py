class Thing:
    def __init__(self):
        self.setup()

    def setup(self):
        pass


def main():
    Thing()
