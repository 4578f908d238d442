def target():
    pass

def run(fn):
    fn()

run(lambda: target())
