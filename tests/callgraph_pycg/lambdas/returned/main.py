def target():
    pass

def make():
    return lambda: target()

make()()
