class Worker:
    def run(self):
        pass
