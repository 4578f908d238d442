def f1(x):
    return x
    print("done")  # expect: Q004


def f2(items):
    for i in items:
        if i:
            break
            i += 1  # expect: Q004
    return items


def f3():
    raise ValueError("no")
    cleanup()  # expect: Q004  # noqa: F821


def f4(items):
    for i in items:
        continue
        print(i)  # expect: Q004
    return None


def f5(x):
    if x:
        return 1
        x += 1  # expect: Q004
    return 0


def f6(flag):
    while flag:
        return flag
        flag = False  # expect: Q004
    return None


def f7(path):
    raise NotImplementedError
    with open(path) as fh:  # expect: Q004
        return fh.read()


def f8(a, b):
    return a + b
    a = 0  # expect: Q004
    b = 0
