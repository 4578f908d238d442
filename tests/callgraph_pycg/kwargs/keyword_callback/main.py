def cb():
    pass

def run(a=None, fn=None):
    fn()

run(fn=cb)
