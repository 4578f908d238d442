class Base:
    def run(self):
        pass


Dynamic = type("Dynamic", (Base,), {})


def main():
    Dynamic().run()
