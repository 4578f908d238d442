class Worker:
    def run(self):
        pass


def main():
    workers = [Worker()]
    return sorted(workers, key=id)[0].run()
