def factory():
    def product():
        pass
    return product


def main():
    factory()()
