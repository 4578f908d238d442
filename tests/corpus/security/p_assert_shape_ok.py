# safe: SEC031
def matmul(a, b):
    assert len(a[0]) == len(b), "shapes do not match"
    return [[sum(x * y for x, y in zip(row, col)) for col in zip(*b)] for row in a]
