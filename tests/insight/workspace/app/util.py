def helper(x):
    if x > 1 and x < 10:
        return x * 2
    return 0


def _unused_one():
    return 1
