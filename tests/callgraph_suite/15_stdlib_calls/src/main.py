import os
import json as j
from collections import OrderedDict


def main():
    path = os.path.join("a", "b")
    data = j.dumps({"path": path})
    table = OrderedDict()
    return data, table
