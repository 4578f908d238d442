class Logger:
    def write(self, text):
        pass


def main():
    log = Logger()
    write = log.write
    write("x")
