# safe: SEC031
def scale(values, factor):
    assert isinstance(factor, (int, float))
    assert len(values) > 0
    return [v * factor for v in values]
