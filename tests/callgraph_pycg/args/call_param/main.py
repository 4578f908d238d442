def callee():
    pass

def runner(fn):
    fn()

runner(callee)
