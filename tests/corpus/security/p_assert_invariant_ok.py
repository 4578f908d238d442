# safe: SEC031
class Stack:
    def __init__(self):
        self.items = []

    def pop(self):
        assert self.items, "pop from empty stack"
        return self.items.pop()
