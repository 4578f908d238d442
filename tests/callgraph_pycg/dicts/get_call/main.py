def f():
    pass

def g():
    pass

handlers = {"x": f}
handlers.get("x", g)()
