def f():
    pass

d = {"k": f}
d["k"]()
