def g():
    pass

def f():
    global g
    g()

f()
