def target():
    pass

a = b = target
a()
b()
