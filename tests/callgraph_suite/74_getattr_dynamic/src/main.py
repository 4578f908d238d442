class Plugin:
    def run(self):
        pass


def main():
    p = Plugin()
    getattr(p, "run")()
