class Worker:
    def run(self):
        pass


def make_worker():
    return Worker()


def main():
    make_worker().run()
