def a():
    pass

def b():
    pass

results = [f() for f in (a, b)]
