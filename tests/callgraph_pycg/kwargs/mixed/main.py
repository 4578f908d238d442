def x():
    pass

def y():
    pass

def run(first, second=None):
    first()
    second()

run(x, second=y)
