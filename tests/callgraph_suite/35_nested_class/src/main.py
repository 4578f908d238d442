class Outer:
    class Inner:
        def ping(self):
            pass

    def make(self):
        return Outer.Inner()


def main():
    inner = Outer().make()
    inner.ping()
