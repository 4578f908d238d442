def one():
    pass

def two():
    pass

x, y = one, two
y()
