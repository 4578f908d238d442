def target():
    pass

def identity(x):
    return x

identity(target)()
