class Strategy:
    def apply(self):
        pass


class Runner:
    strategy = Strategy()

    def run(self):
        self.strategy.apply()


def main():
    Runner().run()
