class Counter:
    def __init__(self):
        self.value = 0

    def inc(self):
        self.value = self.add(1)

    def add(self, n):
        return self.value + n


def main():
    c = Counter()
    c.inc()
