def f1():
    pass

def f2():
    pass

table = {"one": f1, "two": f2}
table["two"]()
