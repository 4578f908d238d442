class Failure(Exception):
    def __init__(self):
        pass

def run():
    raise Failure

run()
