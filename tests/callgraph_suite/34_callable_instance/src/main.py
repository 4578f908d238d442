class Adder:
    def __init__(self, n):
        self.n = n

    def __call__(self, x):
        return self.combine(x)

    def combine(self, x):
        return x + self.n


def main():
    add = Adder(1)
    add(2)
