def apply(fn, value):
    return fn(value)


def double(x):
    return x * 2


def main():
    apply(double, 2)
