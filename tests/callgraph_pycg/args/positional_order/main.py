def a():
    pass

def b():
    pass

def pick(first, second):
    second()

pick(a, b)
