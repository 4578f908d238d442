class Worker:
    def run(self):
        pass


def execute(job):
    job.run()


def main():
    execute(Worker())
