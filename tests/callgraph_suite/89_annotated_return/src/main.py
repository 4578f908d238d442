class Conn:
    def close(self):
        pass


def connect(registry) -> Conn:
    return registry.lookup()


def main(registry):
    connect(registry).close()
