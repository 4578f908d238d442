def check(x):
    if not x:
        raise KeyError
    return x

check(1)
