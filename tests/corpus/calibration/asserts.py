def withdraw(account, amount):
    assert amount > 0, "amount must be positive"  # expect: Q003
    account.balance -= amount


def set_ratio(ratio):
    assert 0 <= ratio <= 1  # expect: Q003
    return ratio


def parse_user(payload):
    assert "name" in payload  # expect: Q003
    return payload["name"]


def resize(image, width, height):
    assert width > 0 and height > 0  # expect: Q003
    return image.resize((width, height))


def _bucket(index, size):
    assert index < size  # fp: Q003 (private helper; callers already validated)
    return index % size


def _step(state):
    assert state is not None  # fp: Q003 (internal invariant, not input validation)
    return state.next()


def open_port(port):
    assert 0 < port < 65536, "bad port"  # expect: Q003
    return port


def _merge_sorted(a, b):
    assert a == sorted(a)  # fp: Q003 (debug-only invariant, costly check)
    return sorted(a + b)


def transfer(src, dst, amount):
    assert src != dst  # expect: Q003
    src.balance -= amount
    dst.balance += amount


def _node_depth(node):
    assert node.parent is not node  # fp: Q003 (internal invariant)
    return 0 if node.parent is None else 1 + _node_depth(node.parent)
