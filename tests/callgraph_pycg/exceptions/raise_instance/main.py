class Failure(Exception):
    def __init__(self, msg):
        self.msg = msg

def run():
    raise Failure("x")

run()
